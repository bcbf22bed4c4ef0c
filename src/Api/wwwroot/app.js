// Dojo's web page: sign in with a token (kept in this browser tab's session only), jobs with live curves and
// decision boundaries, experiments, exercises. Plain modules, no build step; every call is the public REST API.
import { LineChart } from './chart.js';

const view = document.getElementById('view');
let leave = () => {}; // what the current view stops when another is shown (timers, streams)

// ---- the API -------------------------------------------------------------------------------------------------

const token = () => sessionStorage.getItem('dojo.token');

class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.errors ? Object.entries(problem.errors).map(([field, messages]) => `${field}: ${messages.join('; ')}`).join('\n')
      : problem?.detail ?? problem?.title ?? `HTTP ${status}`);
    this.status = status;
  }
}

async function call(path, options = {}) {
  const response = await fetch(path, { ...options, headers: { ...(options.headers ?? {}), Authorization: `Bearer ${token()}` } });
  if (response.status === 401) { signOut(); throw new ApiError(401, { detail: 'the token is unknown, revoked or deactivated' }); }
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
  return response;
}

const getJson = async path => (await call(path)).json();
const postJson = async (path, body) => (await call(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json();

/** An image behind the token: fetched, shown from a blob URL; answers the response (for its headers). */
async function showImage(img, path) {
  const response = await call(path);
  const url = URL.createObjectURL(await response.blob());
  const old = img.src;
  img.src = url;
  if (old.startsWith('blob:')) URL.revokeObjectURL(old);
  return response;
}

/** A download behind the token: fetched and saved under the server's name. */
async function download(path, fallback) {
  const response = await call(path);
  const disposition = response.headers.get('content-disposition') ?? '';
  const name = decodeURIComponent(/filename\*=UTF-8''([^;]+)/.exec(disposition)?.[1] ?? '') || /filename="?([^";]+)/.exec(disposition)?.[1] || fallback;
  const link = h('a', { href: URL.createObjectURL(await response.blob()), download: name });
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

/**
 * A job's events as server-sent events over fetch (EventSource cannot send the token): each point once, in order;
 * a dropped connection is resumed after the last point seen (Last-Event-ID), so nothing repeats.
 */
function watch(jobId, onPoint, onEnd) {
  const controller = new AbortController();
  let last = 0;
  (async () => {
    for (let attempt = 0; !controller.signal.aborted; attempt++) {
      try {
        const response = await fetch(`/api/jobs/${jobId}/events`, {
          headers: { Authorization: `Bearer ${token()}`, ...(last > 0 ? { 'Last-Event-ID': String(last) } : {}) },
          signal: controller.signal,
        });
        if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const event = parseEvent(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
            if (event.type === 'metric') { last = event.data.seq; onPoint(event.data); }
            else if (event.type === 'state') { onEnd(event.data); return; }
          }
        }
      } catch (error) {
        if (controller.signal.aborted || (error instanceof ApiError && error.status < 500)) return;
      }
      await new Promise(resolve => setTimeout(resolve, Math.min(500 * 2 ** attempt, 5000)));
    }
  })();
  return () => controller.abort();
}

function parseEvent(text) {
  const event = { type: 'message', data: null };
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    const field = line.slice(0, colon), value = line.slice(colon + 1).trimStart();
    if (field === 'event') event.type = value;
    else if (field === 'data') event.data = JSON.parse(value);
  }
  return event;
}

// ---- building the page ------------------------------------------------------------------------------------------

/** An element with attributes (on* are listeners) and children (strings become text, never HTML). */
function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) element.append(child instanceof Node ? child : String(child));
  return element;
}

const state = value => h('span', { class: `state ${value}`, 'data-state': value }, value);
const time = iso => (iso ? new Date(iso).toLocaleString() : '');
const number = value => (value === null || value === undefined ? '' : Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(4));
const table = (headers, rows, attributes = {}) =>
  h('table', attributes, h('thead', {}, h('tr', {}, headers.map(title => h('th', {}, title)))), h('tbody', {}, rows));

function show(...children) {
  leave();
  leave = () => {};
  view.replaceChildren(...children);
}

function fail(error) {
  view.append(h('p', { class: 'error', role: 'alert' }, error.message));
}

// ---- views ------------------------------------------------------------------------------------------------------

function signInView() {
  document.getElementById('nav').hidden = true;
  const input = h('input', { id: 'token', type: 'password', placeholder: 'dojo_…', autocomplete: 'off', size: 50 });
  const message = h('p', { class: 'error', role: 'alert' });
  show(h('form', {
    class: 'sign-in', onsubmit: async event => {
      event.preventDefault();
      const candidate = input.value.trim();
      const response = await fetch('/api/me', { headers: { Authorization: `Bearer ${candidate}` } }).catch(() => null);
      if (!response?.ok) {
        message.textContent = response?.status === 401 ? 'This token is unknown or revoked, or its account is deactivated.'
          : 'Dojo did not answer; try again in a moment.';
        return;
      }
      sessionStorage.setItem('dojo.token', candidate);
      await me();
      location.hash = '#/jobs';
      route();
    },
  }, h('h2', {}, 'Sign in'), h('label', { for: 'token' }, 'Your Dojo token (from your instructor)'), input,
    h('button', { id: 'sign-in', type: 'submit' }, 'Sign in'), message,
    h('p', { class: 'muted' }, 'The token stays in this tab only and is forgotten when it closes.')));
}

let user = null;
async function me() {
  user = await getJson('/api/me');
  document.getElementById('who').textContent = `${user.name} (${user.role})`;
  document.getElementById('nav').hidden = false;
  return user;
}

function signOut() {
  sessionStorage.removeItem('dojo.token');
  user = null;
  location.hash = '#/';
  signInView();
}

async function jobsView() {
  const spec = h('textarea', { id: 'spec', rows: 12 });
  const message = h('p', { class: 'error', role: 'alert' });
  const body = h('tbody', { id: 'jobs' });
  show(h('h2', {}, 'Jobs'),
    table(['Name', 'Kind', 'State', 'Created', 'Test accuracy'], [], { id: 'jobs-table' }),
    h('details', { open: true }, h('summary', {}, 'Submit a job'),
      h('p', { class: 'muted' }, 'A job spec as JSON; the XOR sample is filled in.'), spec,
      h('p', {}, h('button', {
        id: 'submit', type: 'button', onclick: async () => {
          message.textContent = '';
          try {
            const job = await postJson('/api/jobs', JSON.parse(spec.value));
            location.hash = `#/jobs/${job.id}`;
          } catch (error) { message.textContent = error.message; }
        },
      }, 'Submit')), message));
  view.querySelector('#jobs-table tbody').replaceWith(body);
  fetch('samples/xor.json').then(r => r.text()).then(text => { if (!spec.value) spec.value = text; });

  const refresh = async () => {
    const page = await getJson('/api/jobs?pageSize=100');
    body.replaceChildren(...page.items.map(job => h('tr', { class: 'job-row', 'data-id': job.id },
      h('td', {}, h('a', { href: `#/jobs/${job.id}` }, job.name ?? job.id)), h('td', {}, job.spec.kind), h('td', {}, state(job.state)),
      h('td', {}, time(job.createdAt)), h('td', {}, number(job.result?.test_accuracy)))));
  };
  await refresh();
  const timer = setInterval(() => refresh().catch(() => {}), 2000);
  leave = () => clearInterval(timer);
}

async function jobView(id) {
  let job = await getJson(`/api/jobs/${id}`);
  const epochs = job.spec.training?.epochs ?? job.spec.training?.episodes ?? null;
  const progress = h('progress', { id: 'progress', max: epochs ?? 1, value: 0 });
  const progressText = h('span', { id: 'progress-text' });
  const header = h('h2', {}, job.name ?? job.id, ' ', state(job.state));
  const loss = new LineChart(h('canvas', { id: 'loss-chart', class: 'chart', 'data-points': 0 }), 'loss');
  const accuracy = new LineChart(h('canvas', { id: 'accuracy-chart', class: 'chart', 'data-points': 0 }),
    job.spec.kind === 'dqn' ? 'returns' : job.spec.kind === 'gan' ? 'modes covered' : 'accuracy');
  const boundary = h('img', { id: 'boundary', class: 'plot', alt: 'decision boundary' });
  const boundaryCaption = h('p', { class: 'muted', id: 'boundary-epoch' });
  const boundaryPanel = h('div', { class: 'panel', hidden: true }, h('h3', {}, 'Decision boundary'), boundary, boundaryCaption);
  const results = h('div', { id: 'results' });
  show(header, h('p', {}, progress, ' ', progressText),
    h('div', { class: 'panels' }, h('div', { class: 'panel' }, loss.canvas), h('div', { class: 'panel' }, accuracy.canvas), boundaryPanel),
    results, h('details', {}, h('summary', {}, 'Spec'), h('pre', {}, JSON.stringify(job.spec, null, 2))));

  const twoD = (job.spec.kind === 'supervised' && job.spec.dataset?.kind === 'playground') || job.spec.kind === 'playground';
  let drawing = false;
  const drawBoundary = async () => {
    if (!twoD || drawing) return;
    drawing = true;
    try {
      const response = await showImage(boundary, `/api/jobs/${id}/plots/boundary.png`);
      boundaryPanel.hidden = false;
      boundaryCaption.textContent = `epoch ${response.headers.get('Dojo-Epoch')}`;
      boundary.dataset.epoch = response.headers.get('Dojo-Epoch');
    } catch { /* no checkpoint yet */ } finally { drawing = false; }
  };
  const timer = twoD && !['succeeded', 'failed', 'cancelled', 'diverged'].includes(job.state) ? setInterval(drawBoundary, 1500) : null;

  let shown = job.state;
  const stop = watch(id, point => {
    if (shown === 'queued') header.replaceChildren(job.name ?? job.id, ' ', state(shown = 'running')); // points come once it trains
    // Per-epoch curves (the final test_/train_ figures are in the table at the end): every kind's losses
    // (loss, val_loss, d_loss, g_loss, td_loss) in one chart; accuracy, a DQN's returns or a GAN's modes in the other.
    const final = point.name.startsWith('test_') || point.name.startsWith('train_') || point.name.startsWith('final_');
    if (!final && (point.name === 'loss' || point.name.endsWith('_loss'))) loss.add(point.name, point.epoch, point.value);
    if (!final && (point.name.endsWith('accuracy') || point.name.includes('return') || point.name === 'modes_covered')) accuracy.add(point.name, point.epoch, point.value);
    if (point.epoch > progress.value) {
      progress.value = point.epoch;
      progressText.textContent = epochs ? `epoch ${point.epoch} of ${epochs}` : `epoch ${point.epoch}`;
    }
  }, async end => {
    if (timer) clearInterval(timer);
    header.replaceChildren(job.name ?? job.id, ' ', state(shown = end.state));
    if (end.reason) results.append(h('p', { class: end.state === 'succeeded' ? 'muted' : 'error' }, end.reason));
    job = await getJson(`/api/jobs/${id}`);
    await drawBoundary();
    showResults(job, results);
  });
  leave = () => { stop(); if (timer) clearInterval(timer); };
}

async function showResults(job, results) {
  if (job.result) {
    results.append(h('h3', {}, 'Final metrics'), table(['Metric', 'Value'],
      Object.entries(job.result).map(([name, value]) => h('tr', {}, h('td', {}, name), h('td', {}, number(value)))), { id: 'final-metrics' }));
  }
  if (job.evaluation?.confusion) {
    const classes = job.evaluation.classes;
    results.append(h('h3', {}, 'Confusion matrix (rows: true class, columns: predicted)'),
      table(['', ...classes], job.evaluation.confusion.map((row, i) => h('tr', {}, h('th', {}, classes[i]), row.map(count => h('td', {}, count)))),
        { id: 'confusion' }));
  }
  const downloads = h('p', { id: 'downloads' });
  if (job.state === 'succeeded' && job.spec.kind !== 'playground') {
    for (const [label, query, name] of [['weights (TorchSharp)', '', 'model.bin'], ['safetensors', '?format=safetensors', 'model.safetensors'], ['PyTorch', '?format=pyTorch', 'model.pt']])
      downloads.append(h('button', { type: 'button', onclick: () => download(`/api/jobs/${job.id}/model${query}`, name) }, label), ' ');
  }
  downloads.append(h('button', { type: 'button', onclick: () => download(`/api/jobs/${job.id}/metrics.csv`, 'metrics.csv') }, 'metrics.csv'), ' ',
    h('button', { type: 'button', onclick: () => download(`/api/jobs/${job.id}/plots/loss.png`, 'loss.png') }, 'loss.png'));
  results.append(h('h3', {}, 'Downloads'), downloads);
  // What a trainer keeps to look at: a GAN's sample grids, a DQN's policy and returns, the page's boundary.
  const files = await getJson(`/api/jobs/${job.id}/files`).catch(() => []);
  const pictures = (files.files ?? files).filter(file => file.name.endsWith('.png'));
  if (pictures.length > 0) {
    const gallery = h('div', { class: 'panels', id: 'job-files' });
    results.append(h('h3', {}, 'Pictures'), gallery);
    for (const file of pictures.slice(-12)) {
      const img = h('img', { class: 'plot', alt: file.name, title: file.name });
      gallery.append(h('div', { class: 'panel' }, h('h3', {}, file.name), img));
      showImage(img, `/api/jobs/${job.id}/files/${file.name}`).catch(() => {});
    }
  }
}

async function experimentsView() {
  const experiments = await getJson('/api/experiments');
  const items = experiments.items ?? experiments;
  show(h('h2', {}, 'Experiments'), table(['Name', 'Runs', 'Created'], items.map(e =>
    h('tr', {}, h('td', {}, h('a', { href: `#/experiments/${e.id}` }, e.name)), h('td', {}, e.runs.length), h('td', {}, time(e.createdAt))))));
}

async function experimentView(id) {
  const experiment = await getJson(`/api/experiments/${id}`);
  // Training loss (how fast, or whether, each run learns), validation accuracy, and training beside validation accuracy
  // (a dashed line per run: the train-test gap).
  const figures = ['loss', 'val_accuracy', 'accuracy,val_accuracy'].map(metric =>
    [metric, h('img', { class: 'plot', id: `experiment-${metric.replace(',', '-')}`, alt: `${metric} of every run` })]);
  show(h('h2', {}, experiment.name),
    h('div', { class: 'panels' }, figures.map(([, img]) => h('div', { class: 'panel' }, img))),
    table(['Run', 'State', 'Test accuracy', 'Test loss'], experiment.runs.map(run => h('tr', {},
      h('td', {}, h('a', { href: `#/jobs/${run.job.id}` }, run.label)), h('td', {}, state(run.job.state)),
      h('td', {}, number(run.job.result?.test_accuracy)), h('td', {}, number(run.job.result?.test_loss))))));
  const draw = () => Promise.all(figures.map(([metric, img]) => showImage(img, `/api/experiments/${id}/plots/${metric}.png`).catch(() => {})));
  await draw();
  const running = experiment.runs.some(run => !['succeeded', 'failed', 'cancelled', 'diverged'].includes(run.job.state));
  if (running) {
    const timer = setInterval(draw, 3000);
    leave = () => clearInterval(timer);
  }
}

async function exercisesView() {
  if (user.role === 'instructor') {
    const courses = await getJson('/api/courses');
    show(h('h2', {}, 'Exercises'), ...courses.map(course => h('section', {}, h('h3', {}, course.name),
      table(['Unit', 'No.', 'Title', 'Kind', 'Due'], course.units.flatMap(unit => unit.exercises.map(e => h('tr', {},
        h('td', {}, unit.name), h('td', {}, e.definition.number), h('td', {}, h('a', { href: `#/exercises/${e.id}` }, e.definition.title)),
        h('td', {}, e.definition.kind), h('td', {}, time(e.definition.due)))))))));
    return;
  }
  const mine = await getJson('/api/me/exercises');
  const rows = await Promise.all(mine.map(async e => {
    const counted = e.attempts.at(-1);
    // An attempt under automatic grading shows how far its runs are.
    const grading = counted?.state === 'grading' ? (await getJson(`/api/submissions/${counted.id}`).catch(() => null))?.autoGrading : null;
    return h('tr', { class: 'my-exercise' }, h('td', {}, e.course), h('td', {}, e.number), h('td', {}, e.title), h('td', {}, time(e.myDue)),
      h('td', {}, e.attempts.length), h('td', {}, counted ? state(counted.state) : 'not handed in', ' ', gradingProgress(grading)),
      h('td', {}, counted?.score ?? ''), h('td', {}, counted?.autoSummary ?? ''), h('td', {}, counted?.feedback ?? ''));
  }));
  show(h('h2', {}, 'My exercises'), table(['Course', 'No.', 'Title', 'Due (yours)', 'Attempts', 'State', 'Score', 'Auto grade', 'Feedback'], rows));
}

/** An automatic grading's runs as a progress bar: how many of its training runs have ended. */
function gradingProgress(grading) {
  if (!grading) return '';
  const runs = grading.datasets.flatMap(d => d.jobs);
  const ended = runs.filter(run => ['succeeded', 'failed', 'cancelled', 'diverged'].includes(run.state)).length;
  return h('span', { class: 'grading-progress' }, h('progress', { max: runs.length, value: ended }), ` ${ended} of ${runs.length} runs`);
}

async function exerciseView(id) {
  const exercise = await getJson(`/api/exercises/${id}`);
  const late = seconds => (seconds ? `${Math.floor(seconds / 3600)} h ${Math.floor(seconds % 3600 / 60)} min` : '');
  const body = h('tbody', {});
  show(h('h2', {}, exercise.definition.title),
    h('p', { class: 'muted' }, `due ${time(exercise.definition.due) || '—'}, cutoff ${time(exercise.definition.cutoff) || '—'}`),
    table(['No.', 'Student', 'Attempt', 'Submitted', 'Late by', 'State', 'Grading', 'Auto grade', 'Score'], [], { id: 'submissions' }),
    h('button', { id: 'export', type: 'button', onclick: () => download(`/api/exercises/${id}/export`, 'submissions.zip') }, 'Export (zip with the gradebook)'));
  view.querySelector('#submissions tbody').replaceWith(body);
  const refresh = async () => {
    const submissions = await getJson(`/api/exercises/${id}/submissions?latestOnly=true`);
    body.replaceChildren(...submissions.map(s => h('tr', { class: 'submission-row' },
      h('td', {}, s.studentNumber ?? ''), h('td', {}, s.studentName), h('td', {}, s.attempt), h('td', {}, time(s.submittedAt)), h('td', {}, late(s.lateBySeconds)),
      h('td', {}, state(s.state)), h('td', {}, gradingProgress(s.autoGrading)), h('td', {}, s.autoSummary ?? ''), h('td', {}, s.score ?? ''))));
    return submissions.some(s => s.state === 'grading');
  };
  if (await refresh()) {
    const timer = setInterval(() => refresh().then(busy => { if (!busy) clearInterval(timer); }).catch(() => {}), 2000);
    leave = () => clearInterval(timer);
  }
}

// ---- routing ------------------------------------------------------------------------------------------------------

async function route() {
  if (!token()) return signInView();
  try {
    if (!user) await me();
    const [, section, id] = location.hash.split('/');
    if (section === 'jobs' && id) await jobView(id);
    else if (section === 'experiments' && id) await experimentView(id);
    else if (section === 'experiments') await experimentsView();
    else if (section === 'exercises' && id) await exerciseView(id);
    else if (section === 'exercises') await exercisesView();
    else await jobsView();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return;
    fail(error);
  }
}

document.getElementById('sign-out').addEventListener('click', signOut);
window.addEventListener('hashchange', route);
route();
