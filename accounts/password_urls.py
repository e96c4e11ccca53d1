"""/accounts/: sign-in, sign-out and passwords (Django's auth views, with the portal's own password change,
reset and one-time sign-in code pages). Included by tuoyu_portal/urls.py in place of django.contrib.auth.urls;
the names are Django's."""

from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password_change/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password_change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password_reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password_reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("sign-in-code/", views.sign_in_with_code, name="sign_in_code"),
    path("sign-in-codes/issue/", views.sign_in_code_issue_page, name="sign_in_code_issue"),
]
