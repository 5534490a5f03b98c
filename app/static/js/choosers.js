/* Searchable choosers for long multi-selects (Tom Select, vendored in static/vendor/tom-select).
 *
 * Every <select multiple> (配合单位、参会单位… up to 65 units) becomes a chooser: type part of a name (“工信”) and
 * pick from the matches; the chosen units show as chips, each with a remove button. Tom Select keeps the original
 * <select> in the form, hidden and in step with the chooser, so what is submitted (and what the server checks) is
 * the same as without JavaScript; with JavaScript off nothing changes. Single selects stay the browser's own
 * (its picker works well on phones, and a single choice is quick to find by scrolling); a select can opt out with
 * data-chooser="off".
 *
 * Tom Select points the field's <label> at its text box (role=combobox, aria-labelledby the label), so a screen
 * reader announces the field's name; this file copies the field's aria-describedby / aria-invalid (its error and
 * help text) onto that text box too. The CSP refuses style attributes in markup; Tom Select sets styles only
 * through element.style, which the CSP allows.
 *
 * window.QbsChoosers.enhance(root) enhances the selects under `root` (a row added by a form's “添加一条”);
 * window.QbsChoosers.unwrap(root) turns the choosers under `root` back into plain selects (a row's copy, before
 * its ids are renumbered and it is enhanced again).
 */
(function () {
  'use strict';

  var SELECTOR = 'select[multiple]:not([data-chooser="off"])';
  var CHOOSER_HINT = '输入名称中的字词搜索，可多选；按退格键移除最后一个。';

  function labelRemoveButton(item) {
    var button = item.querySelector('.remove');
    if (!button) return;
    var name = item.getAttribute('data-name') || item.textContent.replace(/×$/, '').trim();
    button.setAttribute('aria-label', '移除“' + name + '”');
    button.setAttribute('title', '移除“' + name + '”');
    button.textContent = '×';
  }

  function copyDescription(select, ts) {
    ['aria-describedby', 'aria-invalid', 'aria-required'].forEach(function (attr) {
      if (select.hasAttribute(attr)) ts.control_input.setAttribute(attr, select.getAttribute(attr));
    });
    if (select.classList.contains('is-invalid')) ts.control_input.setAttribute('aria-invalid', 'true');
  }

  function replaceCtrlHint(select) {
    // The field's help says how to pick several in a plain list (“按住 Ctrl…”); the chooser works differently.
    var parent = select.parentNode;
    if (!parent) return;
    Array.prototype.forEach.call(parent.querySelectorAll('.form-text'), function (hint) {
      if (/Ctrl/.test(hint.textContent)) {
        hint.setAttribute('data-chooser-hint-was', hint.textContent);
        hint.textContent = CHOOSER_HINT;
      }
    });
  }

  function enhanceOne(select) {
    if (select.tomselect || typeof window.TomSelect !== 'function') return;
    var ts = new window.TomSelect(select, {
      plugins: {remove_button: {title: '移除'}},
      placeholder: '输入名称搜索…',
      maxOptions: null,          // all 65 units, not Tom Select's default of 50
      create: false,
      hideSelected: true,
      closeAfterSelect: false,
      // Filter as the user types, not 300 ms later (Tom Select's default): a late filtering opens the list again
      // even after the user has moved on to another field, and it then covers the form below. 65 units filter at
      // once.
      refreshThrottle: 0,
      searchField: ['text'],
      render: {
        no_results: function () { return '<div class="no-results">没有匹配的单位</div>'; },
        item: function (data, escape) {
          return '<div data-name="' + escape(data.text) + '">' + escape(data.text) + '</div>';
        },
        option: function (data, escape) { return '<div>' + escape(data.text) + '</div>'; }
      },
      onItemAdd: function () {
        // After a pick the typed words go, so the next search starts afresh.
        this.setTextboxValue('');
        this.refreshOptions(false);
      }
    });
    Array.prototype.forEach.call(ts.control.querySelectorAll('.item'), labelRemoveButton);
    ts.on('item_add', function (value, item) { labelRemoveButton(item); });
    // Another script (or a test) choosing in the original list: the chooser shows it too. Its own changes fire
    // 'change' as well, with nothing to do then.
    select.addEventListener('change', function () {
      var chosen = Array.prototype.map.call(select.selectedOptions, function (o) { return o.value; });
      if (chosen.sort().join('\n') !== [].concat(ts.getValue()).sort().join('\n')) ts.setValue(chosen, true);
    });
    copyDescription(select, ts);
    // The hidden original would be a second, unnamed list to a screen reader (and to axe): the chooser stands in.
    select.setAttribute('aria-hidden', 'true');
    replaceCtrlHint(select);
  }

  function enhance(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll(SELECTOR), enhanceOne);
  }

  function unwrap(root) {
    // For a copy of an enhanced row (cloneNode copies the markup, not the chooser behind it).
    Array.prototype.forEach.call(root.querySelectorAll('.ts-wrapper'), function (wrapper) { wrapper.remove(); });
    Array.prototype.forEach.call(root.querySelectorAll('select.tomselected'), function (select) {
      select.classList.remove('tomselected', 'ts-hidden-accessible');
      select.removeAttribute('tabindex');
      select.removeAttribute('hidden');
      select.removeAttribute('aria-hidden');
      var label = root.querySelector('label[for="' + select.id + '-ts-control"]');
      if (label) {
        label.setAttribute('for', select.id);
        if (label.id === select.id + '-ts-label') label.removeAttribute('id');
      }
      var parent = select.parentNode;
      Array.prototype.forEach.call(parent ? parent.querySelectorAll('[data-chooser-hint-was]') : [], function (hint) {
        hint.textContent = hint.getAttribute('data-chooser-hint-was');
        hint.removeAttribute('data-chooser-hint-was');
      });
    });
  }

  window.QbsChoosers = {enhance: enhance, unwrap: unwrap};
  enhance(document);
})();
