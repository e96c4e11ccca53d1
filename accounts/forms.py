"""Forms of the token pages: a new token, a new API-client account."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.selectors import is_api_client
from core import usernames
from facilities.forms import BootstrapMixin
from targets.models import Region

User = get_user_model()

EXPIRY_DAYS_DEFAULT, EXPIRY_DAYS_MAX = 90, 365


class ClientChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.username}（{obj.first_name}）" if obj.first_name else obj.username


class TokenForm(BootstrapMixin, forms.Form):
    READ_ONLY, READ_WRITE = "read_only", "read_write"

    name = forms.CharField(
        label=gettext_lazy("名称"), max_length=100, help_text=gettext_lazy("用途，如：市托育一件事平台")
    )
    owner = ClientChoiceField(
        label=gettext_lazy("令牌归属"),
        queryset=User.objects.none(),
        required=False,
        empty_label=gettext_lazy("本人"),
        help_text=gettext_lazy("本人，或本区的接口只读用户"),
    )
    access = forms.ChoiceField(
        label=gettext_lazy("权限"),
        choices=[(READ_ONLY, gettext_lazy("只读")), (READ_WRITE, gettext_lazy("读写"))],
        initial=READ_ONLY,
    )
    expires_in_days = forms.IntegerField(
        label=gettext_lazy("有效期（天）"),
        min_value=1,
        max_value=EXPIRY_DAYS_MAX,
        initial=EXPIRY_DAYS_DEFAULT,
        help_text=gettext_lazy("1–365 天"),
    )

    def __init__(self, *args, user, clients, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if clients is None:
            del self.fields["owner"]
        else:
            self.fields["owner"].queryset = clients
        if is_api_client(user) and clients is None:
            # Nobody else to issue for and only read-only is allowed: offer nothing else.
            self.fields["access"].choices = [(self.READ_ONLY, _("只读"))]

    def clean(self):
        data = super().clean()
        owner = data.get("owner") or self.user
        data["owner"] = owner
        if data.get("access") == self.READ_WRITE and (owner.pk != self.user.pk or is_api_client(owner)):
            self.add_error("access", _("接口只读用户的令牌只能是只读令牌。"))
        return data


class ApiClientForm(BootstrapMixin, forms.Form):
    username = forms.CharField(
        label=gettext_lazy("用户名"),
        max_length=150,
        help_text=gettext_lazy("英文字母、数字和 . _ - @，如 cq-ytj-platform"),
    )
    full_name = forms.CharField(label=gettext_lazy("系统或单位名称"), max_length=150, required=False)
    district = forms.ModelChoiceField(label=gettext_lazy("区县"), queryset=Region.objects.none())

    def __init__(self, *args, districts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts.order_by("code")
        if districts.count() == 1:
            self.fields["district"].initial = districts.first()
            self.fields["district"].empty_label = None

    def clean_username(self):
        try:
            return usernames.clean_new_username(self.cleaned_data["username"])
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from None
