"""URL rules that write their URL builders when a URL is first built, not when the rule is added.

Werkzeug writes two small Python functions for every rule as it is added to the map (one for `url_for` with only
the rule's own arguments, one that appends the others as a query string) and compiles each from source: for the
app's 254 routes that was about 70 ms of every start (a tenth of `create_app()`, issue #13), for builders most
processes never call — a `flask reminders scan` from cron builds no URL, a web worker builds those of the pages it
serves. Matching requests does not use them. Here each builder is written on its first use, by Werkzeug's own code,
and then replaces the stand-in on the rule, so every later `url_for` calls Werkzeug's function directly.

`_compile_builder` is Werkzeug's own, not public API (Werkzeug is pinned in requirements.txt):
tests/core/test_routing.py builds the same URLs with these rules and with Werkzeug's, so an upgrade that changes it
fails there rather than in a page.
"""

from werkzeug.routing import Rule


class LazyBuilderRule(Rule):
    """A Werkzeug rule whose URL builders are compiled on first use (the app's `url_rule_class`)."""

    def _compile_builder(self, append_unknown=True):
        attribute = "_build_unknown" if append_unknown else "_build"

        def build_on_first_use(rule, *args, **kwargs):
            builder = Rule._compile_builder(rule, append_unknown).__get__(rule, None)
            setattr(rule, attribute, builder)  # the stand-in is never called again for this rule
            return builder(*args, **kwargs)

        return build_on_first_use
