// callwarden back office page: plain DOM, no framework. All data comes from /api (same origin, JSON only).
'use strict';

const TEXT = {
  en: {
    calls: 'Calls', live: 'Live', audit: 'Access log', agents: "Agents' consent", logout: 'Log out', language: 'Language', login: 'Log in',
    user: 'User', password: 'Password', caller: 'Caller', agent: 'Agent', group: 'Group', from: 'From', to: 'To', consent: 'Consent',
    recorded: 'Recorded', search: 'Search', time: 'Time', why: 'Why', prev: 'Previous', next: 'Next', call: 'Call', back: 'Back to the list',
    evidence: 'Evidence', export: 'Export evidence (JSON)', recording: 'Recording', monitored: 'Monitored', actions: 'Actions', action: 'Action',
    address: 'Address', extension: 'Extension', signed: 'Signed on', document: 'Document', enter: 'Enter consent', enteredBy: 'Entered by',
    revoked: 'Revoked', revoke: 'Revoke', yes: 'yes', no: 'no', start: 'Start recording', stop: 'Stop recording', pause: 'Pause (sensitive input)', resume: 'Resume recording', listen: 'Listen',
    download: 'Download', chainOk: 'Evidence chain verifies ✓', chainBroken: 'Evidence chain BROKEN ✗', loginFailed: 'Login failed',
    myCalls: 'My calls', share: 'Share with agent {ext} for coaching', unshare: 'Stop sharing with agent {ext}', sharedWith: 'Shared with agent {ext}',
    page: 'Page', of: 'of', noCalls: 'No calls found', noLive: 'No live calls in your groups', segment: 'Segment', decision: 'Decision', legalBasis: 'Legal basis',
    holds: 'Legal holds', holdsHelp: 'A held recording is never deleted, whatever its retention, until the hold is removed.', holdKind: 'Hold on',
    holdNumber: 'Phone number', holdCallId: 'Call id', holdValue: 'Number or call id', holdReason: 'Reason (case, order)', holdReasonShort: 'Reason',
    holdAdd: 'Add hold', holdSince: 'Since', holdRemoved: 'Removed', holdRemove: 'Remove hold', holdCall: 'Hold this call', noHolds: 'No legal holds',
    holdAdded: 'Legal hold added', holdLifted: 'Legal hold removed', holdConfirm: 'Remove this legal hold? Its recordings may then be deleted at the next purge.',
  },
  de: {
    calls: 'Anrufe', live: 'Live', audit: 'Zugriffsprotokoll', agents: 'Einwilligungen der Agenten', logout: 'Abmelden', language: 'Sprache', login: 'Anmelden',
    user: 'Benutzer', password: 'Passwort', caller: 'Anrufer', agent: 'Agent', group: 'Gruppe', from: 'Von', to: 'Bis', consent: 'Einwilligung',
    recorded: 'Aufgezeichnet', search: 'Suchen', time: 'Zeit', why: 'Warum', prev: 'Zurück', next: 'Weiter', call: 'Anruf', back: 'Zurück zur Liste',
    evidence: 'Nachweis', export: 'Nachweis exportieren (JSON)', recording: 'Aufzeichnung', monitored: 'Mitgehört', actions: 'Aktionen', action: 'Aktion',
    address: 'Adresse', extension: 'Nebenstelle', signed: 'Unterschrieben am', document: 'Dokument', enter: 'Einwilligung eintragen', enteredBy: 'Eingetragen von',
    revoked: 'Widerrufen', revoke: 'Widerrufen', yes: 'ja', no: 'nein', start: 'Aufzeichnung starten', stop: 'Aufzeichnung stoppen', pause: 'Pausieren (sensible Eingabe)', resume: 'Aufzeichnung fortsetzen', listen: 'Mithören',
    download: 'Herunterladen', chainOk: 'Nachweiskette geprüft ✓', chainBroken: 'Nachweiskette GEBROCHEN ✗', loginFailed: 'Anmeldung fehlgeschlagen',
    myCalls: 'Meine Anrufe', share: 'Mit Agent {ext} zum Coaching teilen', unshare: 'Teilen mit Agent {ext} beenden', sharedWith: 'Geteilt mit Agent {ext}',
    page: 'Seite', of: 'von', noCalls: 'Keine Anrufe gefunden', noLive: 'Keine laufenden Anrufe in Ihren Gruppen', segment: 'Abschnitt', decision: 'Entscheidung', legalBasis: 'Rechtsgrundlage',
    holds: 'Aufbewahrungssperren', holdsHelp: 'Eine gesperrte Aufzeichnung wird nie gelöscht, gleich welche Aufbewahrungsfrist gilt, bis die Sperre aufgehoben ist.', holdKind: 'Sperre auf',
    holdNumber: 'Rufnummer', holdCallId: 'Anruf-ID', holdValue: 'Rufnummer oder Anruf-ID', holdReason: 'Grund (Verfahren, Anordnung)', holdReasonShort: 'Grund',
    holdAdd: 'Sperre anlegen', holdSince: 'Seit', holdRemoved: 'Aufgehoben', holdRemove: 'Sperre aufheben', holdCall: 'Diesen Anruf sperren', noHolds: 'Keine Aufbewahrungssperren',
    holdAdded: 'Aufbewahrungssperre angelegt', holdLifted: 'Aufbewahrungssperre aufgehoben', holdConfirm: 'Diese Sperre aufheben? Ihre Aufzeichnungen können dann beim nächsten Löschlauf gelöscht werden.',
  },
};

let lang = localStorage.getItem('cw-lang') || (navigator.language || 'en').slice(0, 2);
if (!TEXT[lang]) lang = 'en';
const t = (key) => TEXT[lang][key] || TEXT.en[key] || key;
const $ = (sel) => document.querySelector(sel);
let csrf = '';
let me = null;
let page = 1;
let liveTimer = null;

function translate() {
  document.documentElement.lang = lang;
  $('#lang').value = lang;
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
}

function status(text) {
  $('#status').textContent = text || '';
}

async function api(method, url, body) {
  const headers = { 'x-callwarden-page': '1' };
  if (method !== 'GET') { headers['content-type'] = 'application/json'; headers['x-csrf-token'] = csrf; }
  const res = await fetch(url, { method, headers, credentials: 'same-origin', body: body === undefined ? (method === 'GET' ? undefined : '{}') : JSON.stringify(body) });
  const json = await res.json().catch(() => ({}));
  if (res.status === 401 && url !== '/api/session') showLogin();
  return { status: res.status, json };
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'on') for (const [ev, fn] of Object.entries(v)) e.addEventListener(ev, fn);
    else if (v !== undefined && v !== null) e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c == null ? '' : String(c)));
  return e;
}

function show(view) {
  for (const id of ['login', 'calls', 'detail', 'live', 'audit', 'agents', 'holds']) $('#' + id).hidden = id !== view;
  clearInterval(liveTimer);
  if (view === 'live') { loadLive(); liveTimer = setInterval(loadLive, 1000); }
  if (view === 'audit') loadAudit();
  if (view === 'agents') loadAgents();
  if (view === 'holds') loadHolds();
}

function showLogin() {
  me = null;
  $('#nav').hidden = true;
  show('login');
  $('#login-name').focus();
}

function signedIn(user, token) {
  me = user;
  if (token) csrf = token;
  $('#nav').hidden = false;
  $('#who').textContent = `${user.name} (${user.role})`;
  for (const b of document.querySelectorAll('[data-role]')) b.hidden = !b.dataset.role.split(' ').includes(user.role);
  // An agent sees only their own calls: "My calls", no search by agent or group.
  const agent = user.role === 'agent';
  for (const x of document.querySelectorAll('[data-t="calls"], [data-t="myCalls"]')) x.dataset.t = agent ? 'myCalls' : 'calls';
  for (const id of ['q-agent', 'q-group']) { $('#' + id).hidden = agent; $(`label[for="${id}"]`).hidden = agent; }
  translate();
  show('calls');
  loadCalls();
}

const when = (iso) => (iso ? new Date(iso).toLocaleString(lang) : '');

async function loadCalls() {
  const form = new FormData($('#search'));
  const q = new URLSearchParams();
  for (const [k, v] of form) if (v) q.set(k, k === 'from' || k === 'to' ? new Date(v).toISOString() : String(v));
  q.set('page', String(page));
  const { status: code, json } = await api('GET', '/api/calls?' + q);
  if (code !== 200) return status(json.reason);
  const body = $('#calls-table tbody');
  body.replaceChildren();
  for (const c of json.calls) {
    const link = el('a', { href: '#call/' + c.callId, on: { click: (e) => { e.preventDefault(); openCall(c.callId); } } }, when(c.startedAt));
    body.append(el('tr', {}, el('td', {}, link), el('td', {}, c.caller), el('td', {}, c.agentExtension), el('td', {}, c.group), el('td', {}, c.consent || '–'), el('td', {}, c.recorded ? t('yes') : t('no')), el('td', {}, c.reason || '')));
  }
  if (json.calls.length === 0) body.append(el('tr', {}, el('td', { colspan: '7' }, t('noCalls'))));
  const pages = Math.max(1, Math.ceil(json.total / json.pageSize));
  $('#page').textContent = `${t('page')} ${json.page} ${t('of')} ${pages}`;
  $('#prev').disabled = json.page <= 1;
  $('#next').disabled = json.page >= pages;
  status('');
}

let openCallId = null;

async function openCall(callId) {
  const { status: code, json } = await api('GET', '/api/calls/' + callId);
  if (code !== 200) return status(json.reason);
  show('detail');
  openCallId = callId;
  const c = json.call;
  const facts = $('#detail-facts');
  facts.replaceChildren();
  const fact = (k, v) => facts.append(el('dt', {}, t(k)), el('dd', {}, v == null ? '–' : v));
  fact('time', when(c.startedAt));
  fact('caller', c.caller);
  fact('agent', c.agentExtension);
  fact('group', c.group);
  fact('consent', json.consent);
  fact('legalBasis', json.legalBasis ? json.legalBasis.article : null);
  fact('decision', json.decision ? json.decision.reason : null);
  const recs = $('#recordings');
  recs.replaceChildren();
  for (const r of json.recordings) {
    const src = `/api/recordings/${encodeURIComponent(r.id)}/audio`;
    recs.append(el('figure', {},
      el('figcaption', {}, `${t('segment')} ${r.segment} (${r.channels}, ${r.status})${r.legalBasis ? ` · ${t('legalBasis')}: ${r.legalBasis.article}` : ''}`),
      el('audio', { controls: '', preload: 'metadata', src, 'aria-label': `${t('recording')} ${r.segment}` }),
      ...(me && me.role === 'agent' ? [] : [el('a', { href: `/api/recordings/${encodeURIComponent(r.id)}/download`, download: '' }, t('download'))])));
  }
  // Supervisors and admins: share this call with its own agent for coaching (or stop sharing).
  const share = $('#share');
  share.replaceChildren();
  if (json.mayShare) {
    const ext = c.agentExtension;
    const on = (json.sharedWith || []).includes(ext);
    if (on) share.append(t('sharedWith').replace('{ext}', ext), ' ');
    share.append(el('button', { type: 'button', on: { click: async () => { const r = await api(on ? 'DELETE' : 'POST', `/api/calls/${callId}/share`); status(r.json.reason || ''); openCall(callId); } } }, t(on ? 'unshare' : 'share').replace('{ext}', ext)));
  }
  $('#export-line').hidden = Boolean(me && me.role === 'agent');
  $('#chain').textContent = json.evidence.verifies ? t('chainOk') : `${t('chainBroken')} ${json.evidence.problem || ''}`;
  $('#chain').className = json.evidence.verifies ? 'ok' : 'bad';
  $('#export').href = `/api/calls/${callId}/evidence`;
  const list = $('#timeline');
  list.replaceChildren();
  for (const e of json.timeline) {
    const d = e.detail || {};
    const summary = d.reason || d.outcome || d.command || d.kind || '';
    list.append(el('li', {}, el('time', { datetime: e.at }, when(e.at)), ` ${e.kind} `, el('span', {}, summary)));
  }
}

async function liveAction(url, body) {
  const { json } = await api('POST', url, body);
  status(json.reason);
  loadLive();
}

async function loadLive() {
  const { status: code, json } = await api('GET', '/api/live');
  if (code !== 200) return;
  const body = $('#live-table tbody');
  body.replaceChildren();
  for (const c of json.calls) {
    const actions = el('td', {});
    if (json.liveOps) {
      const on = c.recording.state !== 'off';
      actions.append(
        el('button', { type: 'button', on: { click: () => liveAction(`/api/live/calls/${c.callId}/recording`, { action: on ? 'stop' : 'start' }) } }, on ? t('stop') : t('start')),
        ' ',
        ...(c.recording.state === 'on'
          ? [el('button', { type: 'button', on: { click: () => liveAction(`/api/live/calls/${c.callId}/pause`, { action: c.recording.masked ? 'resume' : 'pause' }) } }, c.recording.masked ? t('resume') : t('pause')), ' ']
          : []),
        el('button', { type: 'button', on: { click: () => liveAction(`/api/live/calls/${c.callId}/listen`) } }, t('listen')));
    }
    body.append(el('tr', { 'data-call': c.callId }, el('td', {}, c.caller.number), el('td', {}, c.agentExtension), el('td', {}, c.group), el('td', {}, c.consent), el('td', {}, c.recording.state), el('td', {}, c.monitors.map((m) => `${m.supervisor} (${m.mode})`).join(', ') || '–'), actions));
  }
  if (json.calls.length === 0) body.append(el('tr', {}, el('td', { colspan: '7' }, t('noLive'))));
}

async function loadAudit() {
  const { status: code, json } = await api('GET', '/api/audit');
  if (code !== 200) return status(json.reason);
  const body = $('#audit-table tbody');
  body.replaceChildren();
  for (const a of json.access.slice().reverse()) body.append(el('tr', {}, el('td', {}, when(a.at)), el('td', {}, a.user), el('td', {}, a.action), el('td', {}, a.callId), el('td', {}, a.address)));
}

async function loadAgents() {
  const { status: code, json } = await api('GET', '/api/agents');
  if (code !== 200) return status(json.reason);
  const body = $('#agents-table tbody');
  body.replaceChildren();
  for (const a of json.consents) {
    const act = el('td', {});
    if (!a.revokedAt) act.append(el('button', { type: 'button', on: { click: async () => { const r = await api('POST', `/api/agents/${a.extension}/revoke`); status(r.json.reason || ''); loadAgents(); } } }, t('revoke')));
    body.append(el('tr', {}, el('td', {}, a.extension), el('td', {}, a.signedAt.slice(0, 10)), el('td', {}, a.documentRef), el('td', {}, a.enteredBy), el('td', {}, a.revokedAt ? `${when(a.revokedAt)} (${a.revokedBy || ''})` : '–'), act));
  }
}

async function loadHolds() {
  const { status: code, json } = await api('GET', '/api/holds');
  if (code !== 200) return status(json.reason);
  const body = $('#holds-table tbody');
  body.replaceChildren();
  for (const h of json.holds.slice().reverse()) {
    const act = el('td', {});
    if (!h.removedAt) {
      act.append(el('button', { type: 'button', on: { click: async () => {
        if (!confirm(t('holdConfirm'))) return;
        const r = await api('POST', `/api/holds/${h.id}/remove`);
        status(r.json.ok ? t('holdLifted') : r.json.reason || '');
        loadHolds();
      } } }, t('holdRemove')));
    }
    body.append(el('tr', {}, el('td', {}, h.id), el('td', {}, h.kind === 'number' ? t('holdNumber') : t('holdCallId')), el('td', {}, h.value), el('td', {}, h.reason),
      el('td', {}, `${when(h.createdAt)} (${h.createdBy})`), el('td', {}, h.removedAt ? `${when(h.removedAt)} (${h.removedBy || ''})` : '–'), act));
  }
  if (json.holds.length === 0) body.append(el('tr', {}, el('td', { colspan: '7' }, t('noHolds'))));
}

async function addHold(form, kind, value) {
  const r = await api('POST', '/api/holds', { kind, value, reason: new FormData(form).get('reason') });
  status(r.json.ok ? `${t('holdAdded')} #${r.json.hold.id}` : r.json.reason || '');
  if (r.json.ok) form.reset();
  return r.json.ok;
}

document.addEventListener('DOMContentLoaded', async () => {
  translate();
  $('#lang').addEventListener('change', () => { lang = $('#lang').value; localStorage.setItem('cw-lang', lang); translate(); });
  $('#login').addEventListener('submit', async (e) => {
    e.preventDefault();
    const { status: code, json } = await api('POST', '/api/session', { name: $('#login-name').value, password: $('#login-password').value });
    $('#login-password').value = '';
    if (code !== 200) return status(`${t('loginFailed')}: ${json.reason || code}`);
    signedIn(json.user, json.csrfToken);
  });
  $('#search').addEventListener('submit', (e) => { e.preventDefault(); page = 1; loadCalls(); });
  $('#prev').addEventListener('click', () => { page = Math.max(1, page - 1); loadCalls(); });
  $('#next').addEventListener('click', () => { page += 1; loadCalls(); });
  $('#back').addEventListener('click', () => { show('calls'); loadCalls(); });
  $('#logout').addEventListener('click', async () => { await api('DELETE', '/api/session'); csrf = ''; showLogin(); });
  for (const b of document.querySelectorAll('[data-view]')) b.addEventListener('click', () => { show(b.dataset.view); if (b.dataset.view === 'calls') loadCalls(); });
  $('#agent-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = new FormData(e.target);
    const r = await api('POST', `/api/agents/${encodeURIComponent(f.get('extension'))}/consent`, { signed: f.get('signed'), document: f.get('document') });
    status(r.json.reason || (r.json.ok ? '✓' : ''));
    if (r.json.ok) { e.target.reset(); loadAgents(); }
  });
  $('#hold-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = new FormData(e.target);
    if (await addHold(e.target, f.get('kind'), f.get('value'))) loadHolds();
  });
  $('#hold-call-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    if (openCallId) await addHold(e.target, 'call', openCallId);
  });
  const { status: code, json } = await api('GET', '/api/me');
  if (code === 200) signedIn(json.user, json.csrfToken); else showLogin();
});
