// Repeating fieldsets of the record forms ("添加一条"): clone the last row, renumber its field names and ids
// (decisions-0-text → decisions-1-text), clear its values and errors, and make its unit lists choosers again
// (choosers.js). No inline handlers: the CSP forbids them.
(function () {
  function renumber(value, n) {
    return value.replace(/^(\w+)-\d+(-|$)/, '$1-' + n + '$2');
  }
  document.querySelectorAll('[data-repeat-add]').forEach(function (button) {
    button.addEventListener('click', function () {
      var container = document.getElementById(button.dataset.repeatAdd);
      if (!container) return;
      var rows = container.querySelectorAll('[data-repeat-row]');
      if (!rows.length) return;
      var clone = rows[rows.length - 1].cloneNode(true);
      var n = rows.length;
      if (window.QbsChoosers) window.QbsChoosers.unwrap(clone);  // the copy's choosers are markup only
      clone.querySelectorAll('[name], [id], label[for], [aria-describedby]').forEach(function (el) {
        ['name', 'id', 'for'].forEach(function (attr) {
          if (el.hasAttribute(attr)) el.setAttribute(attr, renumber(el.getAttribute(attr), n));
        });
        if (el.hasAttribute('aria-describedby')) {
          el.setAttribute('aria-describedby', el.getAttribute('aria-describedby').split(/\s+/)
            .map(function (id) { return renumber(id, n); }).join(' '));
        }
      });
      clone.querySelectorAll('input, textarea, select').forEach(function (el) {
        el.classList.remove('is-invalid');
        if (el.type === 'checkbox') { el.checked = true; }
        else if (el.tagName === 'SELECT') { Array.prototype.forEach.call(el.options, function (o, i) { o.selected = !el.multiple && i === 0; }); }
        else { el.value = ''; }
      });
      clone.querySelectorAll('.invalid-feedback').forEach(function (el) { el.remove(); });
      clone.querySelectorAll('[aria-invalid]').forEach(function (el) { el.removeAttribute('aria-invalid'); });
      container.appendChild(clone);
      if (window.QbsChoosers) window.QbsChoosers.enhance(clone);
      var first = clone.querySelector('textarea, input');
      if (first) first.focus();
    });
  });
})();
