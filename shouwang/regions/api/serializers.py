"""Read-only representation of a region for the API."""

from __future__ import annotations

from rest_framework import serializers

from shouwang.regions.models import Region


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent_code"]
        read_only_fields = fields
