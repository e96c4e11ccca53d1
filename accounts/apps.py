from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """API tokens, the account pages, the security log and the initial administrator command."""

    name = "accounts"
    verbose_name = _("账号")

    def ready(self):
        from accounts import privileges, security  # noqa: F401  (connect the security-log signal receivers)
