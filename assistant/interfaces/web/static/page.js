() => {
  // The page's script, run once when it loads (Blocks.launch(js=...)). Markers jump to their
  // source; the copy button copies a hidden plain-text version. One delegated listener,
  // because the chat's HTML is sanitised (no inline handlers survive).
  if (window.__assistantWired) { return; }
  window.__assistantWired = true;
  // Gradio sets <html lang> from the browser's language or its Settings switch, but leaves
  // the direction left to right: Arabic reads right to left (i18n.py, RIGHT_TO_LEFT).
  const root = document.documentElement;
  const direction = () => {
    const rtl = /^ar\b/i.test(root.lang || navigator.language || '');
    root.dir = rtl ? 'rtl' : 'ltr';
  };
  direction();
  new MutationObserver(direction).observe(root, {attributes: true, attributeFilter: ['lang']});
  // A new question scrolls to the top of the view, so its answer is read from the start
  // (the chat's own autoscroll would show the end of the sources instead).
  let asked = 0;
  new MutationObserver(() => {
    const questions = document.querySelectorAll('#chat .question');
    if (questions.length > asked) {
      questions[questions.length - 1].scrollIntoView({block: 'start'});
    }
    asked = questions.length;
  }).observe(document.body, {childList: true, subtree: true});
  const flash = (el) => {
    el.classList.remove('flash');
    void el.offsetWidth;
    el.classList.add('flash');
    setTimeout(() => el.classList.remove('flash'), 2500);
  };
  const fallbackCopy = (text) => {
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    document.execCommand('copy');
    area.remove();
  };
  document.addEventListener('click', (event) => {
    const el = event.target instanceof Element ? event.target : null;
    const cite = el && el.closest('a.cite');
    if (cite) {
      event.preventDefault();
      event.stopPropagation();
      const target = document.getElementById((cite.getAttribute('href') || '').slice(1));
      if (!target) { return; }
      const group = target.closest('.thought-group');
      const closed = group && group.querySelector('.title:not(.expanded)');
      if (closed) { closed.click(); }
      setTimeout(() => {
        target.scrollIntoView({behavior: 'smooth', block: 'center'});
        flash(target);
      }, closed ? 200 : 0);
      return;
    }
    const copy = el && el.closest('button.copy-answer');
    if (copy) {
      event.preventDefault();
      const holder = document.getElementById('copytext-' + copy.id.replace('copy-', ''));
      if (!holder) { return; }
      const clone = holder.cloneNode(true);
      clone.querySelectorAll('br').forEach((br) => br.replaceWith('\n'));
      const text = clone.textContent;
      // The button's own label and its 'Copied', both in the answer's language (set by the
      // page's Python): the label comes back after a moment.
      copy.dataset.label = copy.dataset.label || copy.textContent;
      const note = copy.parentElement.querySelector('.copied-note');
      const done = () => {
        copy.textContent = note ? note.textContent : 'Copied';
        setTimeout(() => { copy.textContent = copy.dataset.label; }, 2000);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, () => { fallbackCopy(text); done(); });
      } else {
        fallbackCopy(text);
        done();
      }
    }
  }, true);
}
