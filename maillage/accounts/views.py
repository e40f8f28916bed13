from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from maillage.accounts.forms import LoginForm
from maillage.accounts.services import workspace_links
from maillage.accounts.throttle import too_many_attempts
from maillage.core.permissions import active_memberships


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        email = str(request.POST.get("username", ""))[:254]
        if too_many_attempts(email=email, ip=request.META.get("REMOTE_ADDR", "")):
            return render(request, "accounts/too_many_attempts.html", status=429)
        return super().post(request, *args, **kwargs)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    memberships = active_memberships(request.user)
    return render(
        request,
        "accounts/home.html",
        {"memberships": memberships, "links": workspace_links(request.user)},
    )
