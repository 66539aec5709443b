"""The `tip-assess` command line.

Conventions: results on stdout, diagnostics on stderr; exit 0 ok, 1 a finding or failed check,
2 usage or input error, 3 an internal fault. Bad input never shows a traceback.
"""

from __future__ import annotations

import os

import click

from engine import __version__
from engine.cli.assess import register as register_assess
from engine.cli.audit import register as register_audit
from engine.cli.common import limit_option, sources_option
from engine.cli.log import register as register_log
from engine.cli.rulebook import register as register_rulebook
from engine.cli.serve import register as register_serve
from engine.cli.validate import register as register_validate
from engine.cli.whatif import register as register_whatif


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="tip-assess")
@limit_option
@sources_option
def main() -> None:
    """Assess a government against the TVPA minimum standards and explain the tier placement.

    \b
    Typical use:
      tip-assess assess evidence/peru/2007.yaml
      tip-assess assess evidence/peru/2007.yaml --format json
      tip-assess rules list --year 2007
      tip-assess --limit records=5000 assess big-dossier.yaml
      tip-assess serve            (the local web app)

    Inputs are bounded (file size, nesting, records, ...): see docs/limits.md.

    \b
    Environment:
      TIP_ASSESS_RULES       the rules directory (default ./rules)
      TIP_ASSESS_SOURCES     the directory source texts must lie in (as --sources)
      TIP_ASSESS_MAX_<NAME>  a limit on input size (as --limit NAME=N)
      TIP_ASSESS_CACHE       where loaded rules and dossiers are kept (default
                             $XDG_CACHE_HOME/tip-assess or ~/.cache/tip-assess); 'off': none
      TIP_ASSESS_LOG         the decision log (see `tip-assess log --help`)
      TIP_ASSESS_DEBUG=1     a traceback for an internal error
    """
    # An assessment rests on the rules and the evidence, not on what else is installed: this
    # command loads no pydantic plugin (code that observes every validation) unless
    # PYDANTIC_DISABLE_PLUGINS says otherwise. Looking for plugins also scans every installed
    # package's metadata: about 25 ms of each new process.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")


register_assess(main)  # assess, check
register_rulebook(main)  # rules list|show, lint, coverage, schema
register_audit(main)  # diff, impact
register_log(main)  # log show|verify|replay
register_validate(main)  # validate
register_whatif(main)  # whatif, sensitivity, consistency
register_serve(main)  # serve (the local web app)

if __name__ == "__main__":  # pragma: no cover
    main()
