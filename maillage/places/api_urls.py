from django.http import HttpRequest, JsonResponse
from django.urls import path

app_name = "api"


def openapi(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"openapi": "3.1.0", "info": {"title": "Maillage", "version": "1"}, "paths": {}})


urlpatterns = [path("openapi.json", openapi, name="openapi")]
