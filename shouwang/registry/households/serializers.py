"""API representations of households. Personal numbers appear only masked.

Fields are listed explicitly (never ``__all__``): ``Member.id_number``, ``phone`` and the
blind index must never be serialised, in the clear or as ciphertext.
"""

from __future__ import annotations

from rest_framework import serializers

from .models import Household, HouseholdYear, Member

_MONEY = {"max_digits": 14, "decimal_places": 2, "read_only": True}


class MemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = Member
        fields = [
            "id",
            "name",
            "sex",
            "id_type",
            "id_masked",
            "birth_year",
            "relation",
            "ethnicity",
            "education",
            "schooling",
            "health",
            "disability_grade",
            "labour",
            "work_location",
            "work_months",
            "phone_masked",
            "medical_insured",
            "pension_insured",
            "dibao",
            "tekun",
        ]
        read_only_fields = fields


class HouseholdYearSerializer(serializers.ModelSerializer):
    net_income = serializers.DecimalField(**_MONEY)
    per_capita_net_income = serializers.DecimalField(allow_null=True, **_MONEY)

    class Meta:
        model = HouseholdYear
        fields = [
            "year",
            "member_count",
            "wage_income",
            "business_income",
            "property_income",
            "transfer_income",
            "business_costs",
            "net_income",
            "per_capita_net_income",
            "compliant_out_of_pocket",
            "insurance_payouts",
            "housing_grade",
            "water_secured",
            "dropout",
            "uninsured_member",
        ]
        read_only_fields = fields


class HouseholdSerializer(serializers.ModelSerializer):
    """One row of the household list; the annotated columns come from ``queries.households_for``."""

    village_code = serializers.CharField(source="village_id", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)
    member_count = serializers.IntegerField(read_only=True)
    head_name = serializers.CharField(read_only=True, allow_null=True)
    latest_year = serializers.IntegerField(read_only=True, allow_null=True)
    latest_per_capita_income = serializers.DecimalField(allow_null=True, **_MONEY)

    class Meta:
        model = Household
        fields = [
            "id",
            "number",
            "village_code",
            "village_name",
            "household_type",
            "no_labour",
            "relocated",
            "member_count",
            "head_name",
            "latest_year",
            "latest_per_capita_income",
        ]
        read_only_fields = fields


class HouseholdDetailSerializer(HouseholdSerializer):
    members = MemberSerializer(many=True, read_only=True)
    years = HouseholdYearSerializer(many=True, read_only=True)

    class Meta(HouseholdSerializer.Meta):
        fields = HouseholdSerializer.Meta.fields + ["settlement", "address", "members", "years"]
        read_only_fields = fields
