// A read-only field meant to be copied (the calendar feed's address): a click selects all of it.
// No inline handlers: the CSP forbids them.
document.querySelectorAll('[data-select-all]').forEach(function (field) {
  field.addEventListener('click', function () { field.select(); });
});
