// canhgac: the page behaviour every page loads (served from /static/app.js; the CSP allows no
// inline script). Everything here is an enhancement: pages work without it.
// Errors of the page (scripts, failed loads, CSP refusals), kept for the browser tests
// (tests/pages.rs reads window.__errors).
window.__errors=window.__errors||[];
window.addEventListener('error',function(e){var t=e.target;window.__errors.push(e.message||('failed to load '+((t&&(t.src||t.href))||'a resource')))},true);
window.addEventListener('unhandledrejection',function(e){window.__errors.push('unhandled rejection: '+String(e.reason))});
document.addEventListener('securitypolicyviolation',function(e){window.__errors.push('CSP refused '+e.violatedDirective+' '+(e.blockedURI||''))});
(function(){var el=document.getElementById('clock');if(!el)return;function p(n){return n<10?'0'+n:n}
function t(){var d=new Date(Date.now()+7*3600000);el.textContent=p(d.getUTCDate())+'/'+p(d.getUTCMonth()+1)+'/'+d.getUTCFullYear()+' '+p(d.getUTCHours())+':'+p(d.getUTCMinutes())+':'+p(d.getUTCSeconds())}
t();setInterval(t,1000)})();
// Forms that ask before doing something that cannot be undone: <form data-confirm="…">.
document.addEventListener('submit',function(e){var f=e.target;var q=f&&f.getAttribute&&f.getAttribute('data-confirm');if(q&&!window.confirm(q)){e.preventDefault()}},true);
// "Back" links: <a data-back href="/">: one step back in history when there is one.
document.addEventListener('click',function(e){var a=e.target&&e.target.closest&&e.target.closest('a[data-back]');if(a&&window.history.length>1){e.preventDefault();window.history.back()}});
// Triage lists: the header checkbox ticks every group on the page.
document.addEventListener('change',function(e){var t=e.target;if(!t||t.id!=='pick-all')return;var f=t.closest('form');if(!f)return;f.querySelectorAll('input.pick').forEach(function(b){b.checked=t.checked})});
// Print buttons: <button data-print>.
document.addEventListener('click',function(e){var b=e.target&&e.target.closest&&e.target.closest('[data-print]');if(b){e.preventDefault();window.print()}});
