// A form sent back with errors: the keyboard and the screen reader start at the first field to fix. The summary
// (role="alert", from the form_errors macro) lists every error with a link to its field; each field carries
// aria-invalid and aria-describedby pointing at its message (the field macro). No inline script: the CSP forbids it.
(function () {
  function firstError() {
    var field = document.querySelector('main [aria-invalid="true"], main .is-invalid');
    if (field) { return field; }
    return document.querySelector('main [data-form-errors]');
  }

  function focusField(target) {
    // A chooser (Tom Select) hides its <select>: focus the control the user types into instead.
    if (target.tomselect) { target.tomselect.focus(); return; }
    if (target.disabled || target.offsetParent === null) {
      var summary = document.querySelector('main [data-form-errors]');
      if (summary) { summary.focus(); }
      return;
    }
    target.focus();
  }

  function init() {
    var target = firstError();
    if (target) { focusField(target); }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }

  // The summary's links move the focus to their field (the browser only scrolls to it).
  document.addEventListener('click', function (event) {
    var link = event.target.closest && event.target.closest('[data-form-errors] a[href^="#"]');
    if (!link) { return; }
    var field = document.getElementById(link.getAttribute('href').slice(1));
    if (field) { event.preventDefault(); field.scrollIntoView({block: 'center'}); focusField(field); }
  });
}());
