"""API tokens and the security log.

API tokens: a client acts as the user who owns the token, limited to reading when the token is read-only,
until the token expires or is revoked. Only a hash of the secret is stored.

Both models moved here from tuoyu_portal without touching the database: their tables keep the old names
(`db_table`), and the migrations only moved them in Django's model state."""

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now(), user__is_active=True)


class ApiToken(models.Model):
    PREFIX = "tyt_"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("名称"), max_length=100, help_text=_("用途，如：市托育一件事平台"))
    key_prefix = models.CharField(_("令牌前缀"), max_length=12, db_index=True)
    key_hash = models.CharField(_("令牌摘要"), max_length=64, unique=True)
    # The grant the token was issued under: a request signed with it sees that grant's scope only. Empty for a
    # token of one's own (it acts with all of its owner's grants). Revoking the grant removes its tokens.
    grant = models.ForeignKey(
        "facilities.RoleAssignment",
        verbose_name=_("授权范围"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_tokens",
    )
    read_only = models.BooleanField(_("只读"), default=True)
    expires_at = models.DateTimeField(_("到期时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        db_table = "tuoyu_portal_apitoken"  # the table kept its name when the model moved here
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name}（{self.key_prefix}…）"

    @classmethod
    def issue(cls, *, user, name: str, read_only: bool, expires_at, created_by) -> tuple["ApiToken", str]:
        """Create a token and return it with its secret (see `accounts.services.token_issue`)."""
        from accounts.services import token_issue

        return token_issue(
            user=user, name=name, read_only=read_only, expires_at=expires_at, created_by=created_by
        )

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now() and self.user.is_active


class SecurityEvent(models.Model):
    """The security log: sign-ins, failed sign-ins, lockouts, sign-outs and permission denials.

    Written by `accounts.security` (auth signals and a middleware), never by views. Each row also goes to
    the `tuoyu.security` logger, so a deployment can ship the same events to its log collector."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("登录")
        LOGIN_FAILED = "login_failed", _("登录失败")
        LOCKED_OUT = "locked_out", _("登录锁定")
        LOGOUT = "logout", _("退出")
        DENIED = "denied", _("拒绝访问")
        PRIVILEGE = "privilege", _("权限变更")
        PASSWORD_CHANGED = "password_changed", _("修改密码")
        PASSWORD_RESET = "password_reset", _("重置密码")
        SIGN_IN_CODE_ISSUED = "sign_in_code_issued", _("签发一次性登录码")
        SIGN_IN_CODE_USED = "sign_in_code_used", _("使用一次性登录码")

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    kind = models.CharField(_("事件"), max_length=20, choices=Kind.choices, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    method = models.CharField(_("请求方法"), max_length=10, blank=True)
    path = models.CharField(_("路径"), max_length=500, blank=True)
    status = models.PositiveSmallIntegerField(_("状态码"), null=True, blank=True)
    reason = models.CharField(_("原因"), max_length=200, blank=True)

    class Meta:
        db_table = "tuoyu_portal_securityevent"  # the table kept its name when the model moved here
        verbose_name = _("安全日志")
        verbose_name_plural = _("安全日志")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.get_kind_display()} {self.username}"


class PasswordChangeRequired(models.Model):
    """The must-change-password flag: a row while the user's password was generated or set by someone else
    (a new account, the initial administrator, a reset by an administrator, a one-time sign-in code). Set by
    `accounts.services.require_password_change`, cleared when the user chooses a password of their own;
    `accounts.middleware.PasswordChangeRequiredMiddleware` keeps the user on the password-change page."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="password_change_required",
    )
    since = models.DateTimeField(_("时间"), default=timezone.now)
    reason = models.CharField(_("原因"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("须修改密码")
        verbose_name_plural = _("须修改密码")

    def __str__(self):
        return str(self.user)


class LoginFailure(models.Model):
    """One failed sign-in (a wrong password or a wrong one-time code), counted by `accounts.security` per
    user name across addresses and per address across user names. Rows older than the longest cool-off are
    deleted as new ones arrive; a successful sign-in deletes its user name's rows."""

    at = models.DateTimeField(_("时间"), default=timezone.now)
    username = models.CharField(_("用户名"), max_length=150)  # casefolded
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)

    class Meta:
        verbose_name = _("登录失败")
        verbose_name_plural = _("登录失败")
        indexes = [
            models.Index(fields=["username", "at"], name="accounts_loginfail_user_at"),
            models.Index(fields=["ip_address", "at"], name="accounts_loginfail_ip_at"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.ip_address or ''}"


class SignInCode(models.Model):
    """A one-time sign-in code: issued by a district official or a superuser for an account they manage, or
    sent to the account's e-mail address. Single use, short-lived, only its hash stored; signing in with it
    passes the user-name lock (not the address lock) and requires a new password."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="+"
    )
    code_hash = models.CharField(_("登录码摘要"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("到期时间"))
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签发人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("一次性登录码")
        verbose_name_plural = _("一次性登录码")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"
