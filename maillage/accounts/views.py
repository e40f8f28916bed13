from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from maillage.accounts import throttle
from maillage.accounts.forms import LoginForm
from maillage.accounts.services import workspace_links
from maillage.core.permissions import active_memberships


def too_many_attempts(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/too_many_attempts.html",
        {"minutes": throttle.window_minutes()},
        status=429,
    )


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]
        if form.throttled:
            return too_many_attempts(self.request)
        return super().form_invalid(form)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    memberships = active_memberships(request.user)
    return render(
        request,
        "accounts/home.html",
        {"memberships": memberships, "links": workspace_links(request.user)},
    )
