// canhgac: the live Sigma alert feed on /alerts (served from /static/live.js). A new alert is
// added on top with its organisation and count; a repeat of one already on the page updates
// that row's count and time instead of adding another.
(function(){
var body=document.getElementById('alerts-body'),cnt=document.getElementById('alerts-live-count'),st=document.getElementById('alerts-live-state');
var lab=document.getElementById('alerts-live-labels');
if(!body||!lab||!window.EventSource)return;
var L=JSON.parse(lab.textContent||'{}');
var live=document.getElementById('alerts-live');
var filtered=live&&live.getAttribute('data-filtered')==='1';
var picks=!!document.getElementById('pick-all');
var n=0;function p(x){return x<10?'0'+x:''+x}
function fmt(ms){var d=new Date(ms+7*3600000);return p(d.getUTCDate())+'/'+p(d.getUTCMonth()+1)+'/'+d.getUTCFullYear()+' '+p(d.getUTCHours())+':'+p(d.getUTCMinutes())}
function td(tr,t){var c=document.createElement('td');if(t!=null)c.textContent=t;tr.appendChild(c);return c}
function bump(){n++;if(cnt)cnt.textContent=n}
var es=new EventSource('/api/v1/alerts/stream');
es.addEventListener('open',function(){if(st)st.textContent=L.on});
es.addEventListener('error',function(){if(st)st.textContent=L.off});
es.addEventListener('alert',function(e){
var a;try{a=JSON.parse(e.data)}catch(x){return}
var id=parseInt(a.id,10);if(!(id>0))return;
if(filtered){bump();if(st)st.textContent=L.filtered;return}
var old=document.getElementById('alert-'+id);
if(old){
var row=old.closest('tr');
if(row){var c=row.querySelector('td.num');if(c&&a.count)c.textContent=a.count;var t=row.querySelector('td.seen');if(t)t.textContent=fmt(Number(a.at)||Date.now());row.classList.add('live');if(row!==body.firstChild)body.insertBefore(row,body.firstChild)}
bump();return}
var none=document.getElementById('alerts-empty');if(none)none.parentNode.removeChild(none);
var tr=document.createElement('tr');tr.id='alert-'+id;tr.className='group live';
if(picks)td(tr,'');
var sev=String(a.severity||'').replace(/[^a-z_]/g,'');
var b=document.createElement('span');b.className='badge sev-'+sev;b.textContent=(L.sev&&L.sev[sev])||sev;td(tr).appendChild(b);
var c=td(tr),k=document.createElement('a');k.href='/alerts/'+id;k.textContent=a.title||'';c.appendChild(k);
c.appendChild(document.createTextNode(' '));var nb=document.createElement('span');nb.className='badge new';nb.textContent=a.new?L.fresh:L.again;c.appendChild(nb);
td(tr,a.host||'');td(tr,a.src_ip||'');td(tr,a.org_code||'');
var num=td(tr,String(a.count||1));num.className='num';
var seen=td(tr,fmt(Number(a.at)||Date.now()));seen.className='seen';
td(tr,a.new?L.state:'');
body.insertBefore(tr,body.firstChild);bump();
});
})();
