package main

// sandboxPage is the sandbox's single page: write as a customer on the
// left, watch the conversation, handoffs and the CRM on the right. It
// talks to /sandbox/send, /sandbox/state and the /sandbox/events stream.
const sandboxPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>BotSync sandbox</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;margin:0;background:#f4f5f7;color:#222}
header{background:#0b6e4f;color:#fff;padding:10px 16px}header small{opacity:.8}
main{display:grid;grid-template-columns:1fr 1fr;gap:16px;padding:16px}
section{background:#fff;border-radius:8px;padding:12px;box-shadow:0 1px 2px #0002}
#chat{height:420px;overflow-y:auto;border:1px solid #ddd;border-radius:6px;padding:8px;background:#ece5dd}
.msg{max-width:80%;margin:6px 0;padding:6px 10px;border-radius:8px;white-space:pre-wrap}
.in{background:#fff}.out{background:#dcf8c6;margin-left:auto}.sys{background:#fde68a;margin:6px auto;font-size:.85em}
.cite{font-size:.75em;color:#555}form{display:flex;gap:6px;margin-top:8px;flex-wrap:wrap}
input,select,button{font:inherit;padding:6px}input[name=text]{flex:1}
table{width:100%;border-collapse:collapse;font-size:.9em}td,th{border-bottom:1px solid #eee;padding:4px;text-align:left}
#log{font-family:monospace;font-size:.75em;height:160px;overflow-y:auto;background:#111;color:#9f9;padding:6px;border-radius:6px}
</style></head><body>
<header><b>BotSync sandbox</b> <small>— everything is in memory; the Graph API and the AI are in-process fakes</small></header>
<main>
<section><h3>Write as a customer</h3>
<div id="chat"></div>
<form id="f">
<select name="channel"><option value="whatsapp">WhatsApp</option><option value="instagram">Instagram DM</option><option value="comment">Instagram comment</option></select>
<input name="from" value="919876543210" size="14" title="WhatsApp number (digits) or Instagram user id">
<input name="name" value="Priya" size="8">
<input name="text" placeholder="Try: What is the fee for NEET?  /  send the brochure  /  Can I pay in bitcoin?" autocomplete="off">
<button>Send</button></form>
<form id="agent"><input name="text" placeholder="Reply as the agent (to the latest conversation)" autocomplete="off"><button>Agent reply</button><button type="button" id="giveback">Give back to AI</button></form>
<p><small>Try a question from the knowledge base ("What are the weekend batch timings?"), a keyword ("brochure"), something it cannot know ("Can I pay in bitcoin?") to see the handoff, or an Instagram comment with "fees".</small></p>
</section>
<section><h3>CRM (live)</h3><table id="leads"><thead><tr><th>Name</th><th>Source</th><th>Stage</th><th>Tags</th></tr></thead><tbody></tbody></table>
<h3>Conversations</h3><table id="convs"><thead><tr><th>Channel</th><th>Handoff</th><th>Messages</th></tr></thead><tbody></tbody></table>
<h3>Events</h3><div id="log"></div></section>
</main>
<script>
const chat=document.getElementById('chat'),log=document.getElementById('log');let latestConv=null;
function esc(s){return String(s??'').replace(/[&<>"]/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]))}
function add(cls,text,extra){const d=document.createElement('div');d.className='msg '+cls;d.innerHTML=esc(text)+(extra||'');chat.appendChild(d);chat.scrollTop=chat.scrollHeight}
async function refresh(){const s=await (await fetch('/sandbox/state')).json();
document.querySelector('#leads tbody').innerHTML=(s.leads||[]).map(l=>'<tr><td>'+esc(l.name||'(no name)')+'</td><td>'+esc(l.source.channel)+'</td><td>'+esc(l.stage)+'</td><td>'+esc((l.tags||[]).join(', '))+'</td></tr>').join('');
latestConv=(s.conversations||[])[0];
document.querySelector('#convs tbody').innerHTML=(s.conversations||[]).map(c=>'<tr><td>'+esc(c.channel)+'</td><td>'+(c.handoff?'👤 human':'🤖 bot')+'</td><td>'+c.messages.length+'</td></tr>').join('')}
const es=new EventSource('/sandbox/events');
es.onmessage=()=>{};
['message.created','conversation.handoff','lead.created','comment.replied','conversation.ai_paused','conversation.ai_resumed','message.blocked','rule.disabled'].forEach(t=>es.addEventListener(t,e=>{
const ev=JSON.parse(e.data);log.textContent+=ev.type+(ev.reason?' ('+ev.reason+')':'')+'\n';log.scrollTop=log.scrollHeight;
if(ev.type==='message.created'&&ev.message){const m=ev.message;
const cites=(ev.citations||[]).map(c=>'<div class="cite">📎 '+esc(c.SourceTitle)+': “'+esc(c.Quote)+'”</div>').join('');
if(m.direction==='out')add('out',(m.author&&m.author.kind==='user'?'👤 ':'')+(m.text||('['+m.type+']')),cites)}
if(ev.type==='conversation.handoff')add('sys','Handed off to a person: '+(ev.reason||''));
if(ev.type==='comment.replied')add('sys','Comment answered with a private reply');
refresh()}));
document.getElementById('f').onsubmit=async e=>{e.preventDefault();const f=new FormData(e.target);const text=f.get('text');if(!text)return;
add('in',(f.get('channel')==='comment'?'💬 comment: ':'')+text);e.target.text.value='';
const r=await fetch('/sandbox/send',{method:'POST',headers:{'Content-Type':'application/json'},body:JSON.stringify(Object.fromEntries(f))});
if(!r.ok)add('sys','error: '+(await r.text()))};
document.getElementById('agent').onsubmit=async e=>{e.preventDefault();if(!latestConv)return;const text=e.target.text.value;if(!text)return;e.target.text.value='';
const r=await fetch('/sandbox/agent',{method:'POST',headers:{'Content-Type':'application/json'},body:JSON.stringify({conversation_id:latestConv.id,text})});
if(!r.ok)add('sys','error: '+(await r.text()))};
document.getElementById('giveback').onclick=async()=>{if(!latestConv)return;
const r=await fetch('/sandbox/agent',{method:'POST',headers:{'Content-Type':'application/json'},body:JSON.stringify({conversation_id:latestConv.id,give_back:true})});
add('sys',r.ok?'Conversation given back to the AI':'error: '+(await r.text()))};
refresh();
</script></body></html>`
