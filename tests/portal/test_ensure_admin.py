import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_creates_one_administrator_and_prints_its_password_once(capsys):
    call_command("ensure_admin")
    first = capsys.readouterr().out
    user = get_user_model().objects.get(username="admin")
    assert user.is_superuser and user.is_staff
    password = next(line.split("：", 1)[1].strip() for line in first.splitlines() if "密码：" in line)
    assert user.check_password(password)
    assert len(password) >= 12

    call_command("ensure_admin")
    second = capsys.readouterr().out
    assert password not in second
    assert "已有管理员账户" in second
    assert get_user_model().objects.filter(is_superuser=True).count() == 1


def test_never_takes_over_an_existing_ordinary_account(capsys):
    get_user_model().objects.create_user(username="admin", password="someone-elses-password")
    with pytest.raises(SystemExit):
        call_command("ensure_admin")
    user = get_user_model().objects.get(username="admin")
    assert not user.is_superuser
    assert user.check_password("someone-elses-password")
