from django.urls import path

from maillage.observatory import views

app_name = "observatory"

urlpatterns = [
    path("", views.index, name="index"),
    path("public/<str:code>/", views.public_territory, name="public"),
    path("public/<str:code>/communes.<str:fmt>", views.public_export, name="public_export"),
    path("public/<str:code>/carte.svg", views.public_map_svg, name="public_map"),
    path("<str:code>/", views.territory, name="territory"),
    path("<str:code>/communes.<str:fmt>", views.export, name="export"),
    path("<str:code>/carte.svg", views.map_svg, name="map"),
    path("<str:code>/fiche.<str:fmt>", views.sheet, name="sheet"),
    path("<str:code>/livret/", views.book, name="book"),
    path("livret/<int:job_id>.pdf", views.book_download, name="book_download"),
    path("<str:code>/publication/", views.publish, name="publish"),
]
