"""Asset pages: the overview, the ledgers by class, a new asset, one asset and what is done to it."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns: list = [
    path("assets/", views.asset_index, name="asset_index"),
    path("assets/ledger/<slug:asset_class>/", views.asset_ledger, name="asset_ledger"),
    path("assets/new/", views.asset_new, name="asset_new"),
    path("assets/import/", views.asset_import, name="asset_import"),
    path("assets/import/template/", views.asset_import_template, name="asset_import_template"),
    path("assets/<int:pk>/", views.asset_detail, name="asset_detail"),
    path("assets/<int:pk>/edit/", views.asset_edit, name="asset_edit"),
    path("assets/<int:pk>/check/", views.asset_check, name="asset_check"),
    path("assets/<int:pk>/income/", views.asset_income, name="asset_income"),
    path("assets/<int:pk>/disposal/", views.asset_dispose, name="asset_dispose"),
    path("assets/disposals/<int:pk>/decide/", views.asset_decide, name="asset_decide"),
]
