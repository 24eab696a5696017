// Kiln web page: submit a prompt, follow the job over Server-Sent Events, show previews, the result and a gallery.
// EventSource cannot send an Authorization header, so the event stream is read with fetch and parsed here.
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const keyInput = $('api-key');
  keyInput.value = localStorage.getItem('kiln.apiKey') || '';
  keyInput.addEventListener('change', () => {
    localStorage.setItem('kiln.apiKey', keyInput.value.trim());
    models();
    gallery();
  });
  let modelList = [];
  let currentJob = null;
  // the uploaded init image (POST /v1/inputs answer: {id, width, height}), or null
  let initImage = null;

  function headers(extra) {
    return Object.assign({ 'Authorization': 'Bearer ' + keyInput.value.trim() }, extra || {});
  }

  function showError(text) {
    $('error').textContent = text;
    $('error').hidden = false;
  }

  async function problem(response) {
    try {
      const body = await response.json();
      const fields = (body.errors || []).map((e) => e.field + ' ' + e.message).join('; ');
      return (body.title || response.status) + ': ' + (fields || body.detail || '');
    } catch (e) {
      return 'HTTP ' + response.status;
    }
  }

  async function submit(event) {
    event.preventDefault();
    $('error').hidden = true;
    const request = {
      prompt: $('prompt').value,
      width: Number($('width').value),
      height: Number($('height').value),
      steps: Number($('steps').value),
      model: $('model').value || undefined,
      lane: $('lane').value,
      guidanceScale: Number($('guidance').value),
      numImages: Number($('num-images').value)
    };
    if ($('seed').value !== '') {
      request.seed = Number($('seed').value);
    }
    if ($('negative-prompt').value.trim() !== '') {
      request.negativePrompt = $('negative-prompt').value;
    }
    if ($('scheduler').value !== '') {
      request.scheduler = $('scheduler').value;
    }
    if (!$('clip-skip-field').hidden && Number($('clip-skip').value) > 0) {
      request.clipSkip = Number($('clip-skip').value);
    }
    if (!$('init-image-field').hidden && initImage) {
      request.initImage = initImage.id;
      request.strength = Number($('strength').value);
    }
    const response = await fetch('v1/jobs', {
      method: 'POST', headers: headers({ 'Content-Type': 'application/json' }), body: JSON.stringify(request)
    });
    if (!response.ok) {
      showError(await problem(response));
      return;
    }
    const job = await response.json();
    $('job').hidden = false;
    $('result').hidden = true;
    $('preview').hidden = true;
    $('progress').value = 0;
    $('status').textContent = 'Job ' + job.id + ' is ' + job.state + describeQueue(job);
    currentJob = job.id;
    $('cancel').hidden = false;
    $('cancel').disabled = false;
    follow(job.id);
  }

  function describeQueue(job) {
    if (!job.queue) {
      return '';
    }
    const eta = (job.queue.etaSeconds != null) ? ', about ' + Math.round(job.queue.etaSeconds) + ' s' : '';
    return ' (position ' + job.queue.position + eta + ')';
  }

  async function follow(id) {
    let lastEventId = null;
    for (let attempt = 0; attempt < 20; attempt++) {
      const extra = lastEventId ? { 'Last-Event-ID': lastEventId } : {};
      const response = await fetch('v1/jobs/' + id + '/events', { headers: headers(Object.assign({ 'Accept': 'text/event-stream' }, extra)) });
      if (!response.ok) {
        showError(await problem(response));
        return;
      }
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      let finished = false;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) {
          break;
        }
        buffer += decoder.decode(value, { stream: true });
        let boundary;
        while ((boundary = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + 2);
          const event = parse(block);
          if (event.id) {
            lastEventId = event.id;
          }
          if (event.data && onEvent(id, event.name, JSON.parse(event.data))) {
            finished = true;
          }
        }
      }
      if (finished) {
        return;
      }
    }
  }

  function parse(block) {
    const event = { name: 'message', data: '', id: null };
    for (const line of block.split('\n')) {
      const colon = line.indexOf(':');
      if (colon === 0) {
        continue;
      }
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') { event.name = value; }
      else if (field === 'data') { event.data += value; }
      else if (field === 'id') { event.id = value; }
    }
    return event;
  }

  function onEvent(id, name, data) {
    if (data.totalSteps) {
      $('progress').max = data.totalSteps;
      $('progress').value = data.step;
    }
    if (data.preview) {
      $('preview').src = data.preview.url;
      $('preview').hidden = false;
    }
    $('status').textContent = 'Job ' + id + ' is ' + data.state
      + (data.totalSteps ? ' (step ' + data.step + ' of ' + data.totalSteps + ')' : '');
    if (name === 'state' && ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(data.state)) {
      finish(id);
      return true;
    }
    return false;
  }

  // DELETE /v1/jobs/{id}: a waiting job is cancelled at once, a running one at its next step; the event stream
  // then reports CANCELLED, which finishes the job here.
  async function cancel() {
    if (!currentJob) {
      return;
    }
    $('cancel').disabled = true;
    const response = await fetch('v1/jobs/' + currentJob, { method: 'DELETE', headers: headers() });
    if (!response.ok) {
      $('cancel').disabled = false;
      showError(await problem(response));
      return;
    }
    const job = await response.json();
    $('status').textContent = 'Job ' + job.id + ' is ' + job.state + (job.cancelRequested ? ' (cancelling)' : '');
  }

  async function finish(id) {
    if (id === currentJob) {
      $('cancel').hidden = true;
    }
    const response = await fetch('v1/jobs/' + id, { headers: headers() });
    if (!response.ok) {
      showError(await problem(response));
      return;
    }
    const job = await response.json();
    if (job.state === 'SUCCEEDED' && job.images.length > 0) {
      $('result').src = job.images[0].url;
      $('result').hidden = false;
      $('result-caption').textContent = 'seed ' + job.seed + (job.images.length > 1 ? ' (1 of ' + job.images.length
        + ', all in the gallery)' : '') + (job.scheduler ? ', ' + job.scheduler : '');
    } else if (job.error) {
      showError(job.state + ': ' + job.error.type + ' ' + (job.error.detail || ''));
    }
    gallery();
  }

  // The models the gateway lists (GET /v1/models), each with what it renders, so nobody takes the built-in
  // model's abstract patterns for Stable Diffusion; the gateway's default model is picked first.
  async function models() {
    if (!keyInput.value.trim()) {
      return;
    }
    const response = await fetch('v1/models', { headers: headers() });
    if (!response.ok) {
      return;
    }
    const body = await response.json();
    modelList = body.models;
    const select = $('model');
    const previous = select.value;
    select.replaceChildren();
    for (const model of modelList) {
      const option = document.createElement('option');
      option.value = model.id;
      option.textContent = model.id;
      select.appendChild(option);
    }
    if (modelList.some((model) => model.id === previous)) {
      select.value = previous;
    } else if (modelList.some((model) => model.id === body.defaultModel)) {
      select.value = body.defaultModel;
    }
    describeModel();
  }

  function describeModel() {
    const model = modelList.find((m) => m.id === $('model').value);
    if (!model) {
      $('model-description').textContent = '';
      schedulers(null);
      return;
    }
    const what = model.description || 'no worker serving it has said what it renders yet';
    const sizes = (model.sizes && model.sizes.length > 0)
      ? '; sizes ' + model.sizes.map((s) => s.width + 'x' + s.height).join(', ') : '';
    const workers = model.liveWorkers > 0 ? '' : ' (no worker serves it right now)';
    $('model-description').textContent = model.id + ': ' + what + sizes + workers;
    schedulers(model);
  }

  // The samplers the chosen model offers (its announced list); "model default" sends none. A model without a
  // choice (the built-in one) or not announced yet offers only its default.
  function schedulers(model) {
    const select = $('scheduler');
    const previous = select.value;
    select.replaceChildren();
    const byDefault = document.createElement('option');
    byDefault.value = '';
    byDefault.textContent = 'model default' + ((model && model.scheduler) ? ' (' + model.scheduler + ')' : '');
    select.appendChild(byDefault);
    for (const name of (model && model.schedulers) || []) {
      const option = document.createElement('option');
      option.value = name;
      option.textContent = name;
      select.appendChild(option);
    }
    select.value = [...select.options].some((o) => o.value === previous) ? previous : '';
    if (model) {
      $('num-images').max = model.maxBatch;
      $('steps').max = model.maxSteps;
    }
    modelControls(model);
  }

  // What the chosen model accepts beyond text-to-image, as GET /v1/models says: an init image when a live worker
  // renders img2img for it, a clip skip up to its maxClipSkip. Hidden controls send nothing.
  function modelControls(model) {
    const clipSkip = (model && model.maxClipSkip) || 0;
    $('clip-skip-field').hidden = clipSkip === 0;
    $('clip-skip').max = clipSkip;
    if (Number($('clip-skip').value) > clipSkip) {
      $('clip-skip').value = clipSkip;
    }
    $('init-image-field').hidden = !(model && model.imageToImage);
  }

  function selectSize(id, value) {
    const select = $(id);
    if (![...select.options].some((o) => o.value === String(value))) {
      const option = document.createElement('option');
      option.textContent = String(value);
      select.appendChild(option);
    }
    select.value = String(value);
  }

  // POST /v1/inputs with the chosen file; the job then renders at the image's size (the gateway requires it).
  async function uploadInitImage() {
    const file = $('init-image').files[0];
    clearInitImage(false);
    if (!file) {
      return;
    }
    $('error').hidden = true;
    $('init-image-note').textContent = 'uploading ' + file.name + '…';
    const form = new FormData();
    form.append('file', file);
    const response = await fetch('v1/inputs', { method: 'POST', headers: headers(), body: form });
    if (!response.ok) {
      const text = await problem(response);
      $('init-image-note').textContent = '';
      $('init-image').value = '';
      showError(file.name + ': ' + text);
      return;
    }
    initImage = await response.json();
    selectSize('width', initImage.width);
    selectSize('height', initImage.height);
    $('init-image-note').textContent = file.name + ' uploaded (' + initImage.width + 'x' + initImage.height
      + '); the job renders at that size';
    $('clear-init-image').hidden = false;
  }

  function clearInitImage(resetInput) {
    initImage = null;
    $('init-image-note').textContent = '';
    $('clear-init-image').hidden = true;
    if (resetInput) {
      $('init-image').value = '';
    }
  }

  async function gallery() {
    if (!keyInput.value.trim()) {
      return;
    }
    const response = await fetch('v1/jobs?state=SUCCEEDED&limit=12', { headers: headers() });
    if (!response.ok) {
      return;
    }
    const page = await response.json();
    const container = $('gallery');
    container.replaceChildren();
    for (const job of page.jobs) {
      for (const image of job.images) {
        const img = document.createElement('img');
        img.src = image.url;
        img.alt = job.prompt;
        img.title = job.prompt + ' (seed ' + job.seed + ')';
        container.appendChild(img);
      }
    }
  }

  $('submit-form').addEventListener('submit', submit);
  $('model').addEventListener('change', describeModel);
  $('cancel').addEventListener('click', cancel);
  $('init-image').addEventListener('change', uploadInitImage);
  $('clear-init-image').addEventListener('click', () => clearInitImage(true));
  models();
  gallery();
})();
