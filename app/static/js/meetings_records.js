// Repeating fieldsets of the record forms ("添加一条"): clone the last row, renumber its field names and ids
// (decisions-0-text → decisions-1-text) and clear its values. No inline handlers: the CSP forbids them.
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
      clone.querySelectorAll('[name], [id], label[for]').forEach(function (el) {
        ['name', 'id', 'for'].forEach(function (attr) {
          if (el.hasAttribute(attr)) el.setAttribute(attr, renumber(el.getAttribute(attr), n));
        });
      });
      clone.querySelectorAll('input, textarea, select').forEach(function (el) {
        el.classList.remove('is-invalid');
        if (el.type === 'checkbox') { el.checked = true; }
        else if (el.tagName === 'SELECT') { Array.prototype.forEach.call(el.options, function (o, i) { o.selected = !el.multiple && i === 0; }); }
        else { el.value = ''; }
      });
      clone.querySelectorAll('.invalid-feedback').forEach(function (el) { el.remove(); });
      container.appendChild(clone);
      var first = clone.querySelector('textarea, input');
      if (first) first.focus();
    });
  });
})();
