// canhgac: the duty wall (/wall, served from /static/wall.js). The server renders the wall and
// sends it as the event `wall` every few seconds; this puts it in place. The browser's
// EventSource reconnects by itself after a drop; the corner says whether the feed is live.
(function(){
var box=document.getElementById('wall'),st=document.getElementById('wall-state'),lab=document.getElementById('wall-labels');
if(!box||!window.EventSource)return;
var L={};try{L=JSON.parse(lab&&lab.textContent||'{}')}catch(e){}
var es=new EventSource('/wall/stream');
es.addEventListener('open',function(){if(st)st.textContent=L.on||''});
es.addEventListener('error',function(){if(st)st.textContent=L.off||''});
es.addEventListener('wall',function(e){box.innerHTML=e.data;if(st)st.textContent=L.on||''});
})();
