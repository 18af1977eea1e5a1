// canhgac: the live Sigma alert feed on /alerts (served from /static/live.js).
(function(){
var body=document.getElementById('alerts-body'),cnt=document.getElementById('alerts-live-count'),st=document.getElementById('alerts-live-state');
var L=JSON.parse(document.getElementById('alerts-live-labels').textContent||'{}');
if(!body||!window.EventSource)return;
var n=0;function p(x){return x<10?'0'+x:''+x}
function fmt(ms){var d=new Date(ms+7*3600000);return p(d.getUTCDate())+'/'+p(d.getUTCMonth()+1)+'/'+d.getUTCFullYear()+' '+p(d.getUTCHours())+':'+p(d.getUTCMinutes())+':'+p(d.getUTCSeconds())}
function td(tr,t){var c=document.createElement('td');if(t!=null)c.textContent=t;tr.appendChild(c);return c}
var es=new EventSource('/api/v1/alerts/stream');
es.addEventListener('open',function(){if(st)st.textContent=L.on});
es.addEventListener('error',function(){if(st)st.textContent=L.off});
var q=new URLSearchParams(location.search);
var filtered=['state','severity','org','q','open','offset'].some(function(k){var v=q.get(k);return v&&v!=='0'});
es.addEventListener('alert',function(e){
var a;try{a=JSON.parse(e.data)}catch(x){return}
if(filtered){n++;if(cnt)cnt.textContent=n;if(st)st.textContent=L.filtered;return}
var id=parseInt(a.id,10);if(!(id>0))return;
var old=document.getElementById('alert-'+id);if(old)old.parentNode.removeChild(old);
var none=document.getElementById('alerts-empty');if(none)none.parentNode.removeChild(none);
var tr=document.createElement('tr');tr.id='alert-'+id;tr.className='live';
var sev=String(a.severity||'').replace(/[^a-z_]/g,'');
var b=document.createElement('span');b.className='badge sev-'+sev;b.textContent=(L.sev&&L.sev[sev])||sev;td(tr).appendChild(b);
var c=td(tr),k=document.createElement('a');k.href='/alerts/'+id;k.textContent=a.title||'';c.appendChild(k);
c.appendChild(document.createTextNode(' '));var nb=document.createElement('span');nb.className='badge new';nb.textContent=a.new?L.fresh:L.again;c.appendChild(nb);
td(tr,a.host||'');td(tr,'');td(tr,'');td(tr,fmt(Number(a.at)||Date.now()));td(tr,a.new?L.state:'');td(tr,'');
body.insertBefore(tr,body.firstChild);n++;if(cnt)cnt.textContent=n;
});
})();
