"""The API's JSON shapes, with explicit fields (nothing is exposed by accident)."""

from rest_framework import serializers

from assessment.models import Cycle, RaggBand, Rating
from ccgs.models import CCG


class BandSerializer(serializers.ModelSerializer):
    class Meta:
        model = RaggBand
        fields = ["code", "label", "minimum", "maximum"]


class CycleSerializer(serializers.ModelSerializer):
    bands = BandSerializer(many=True, read_only=True, help_text="The RAGG bands, lowest first.")

    class Meta:
        model = Cycle
        fields = [
            "label", "slug", "framework_name", "period_start", "period_end", "released_at",
            "bands",
        ]  # fmt: skip


class ScoresSerializer(serializers.Serializer):
    """The five domain scores, 0-3 each."""

    A = serializers.IntegerField(min_value=0, max_value=3, help_text="Governance.")
    B = serializers.IntegerField(min_value=0, max_value=3, help_text="Annual reporting.")
    C = serializers.IntegerField(min_value=0, max_value=3, help_text="Day-to-day practice.")
    D = serializers.IntegerField(min_value=0, max_value=3, help_text="Feedback and evaluation.")
    E = serializers.IntegerField(min_value=0, max_value=3, help_text="Equalities.")


class RatingSerializer(serializers.ModelSerializer):
    """A CCG's final rating in a released cycle, named as on that cycle's register."""

    cycle = serializers.CharField(source="cycle_label", help_text="The cycle's label, 2019/20.")
    cycle_slug = serializers.CharField(help_text="The cycle's slug, 2019-20.")
    ods_code = serializers.CharField(help_text="The CCG's ODS code.")
    ccg_name = serializers.CharField(help_text="The CCG's name on the cycle's register.")
    stp = serializers.CharField(source="stp_name", help_text="Its STP on that register.")
    region = serializers.CharField(source="region_name", help_text="Its region on that register.")
    scores = ScoresSerializer()
    total = serializers.IntegerField(min_value=0, max_value=15, help_text="Sum of the scores.")
    ragg = serializers.CharField(source="band_label", help_text="The RAGG band's label.")
    ragg_code = serializers.CharField(source="band_code", help_text="The RAGG band's code.")

    class Meta:
        model = Rating
        fields = [
            "id", "cycle", "cycle_slug", "ods_code", "ccg_name", "stp", "region", "scores",
            "total", "ragg", "ragg_code", "source",
        ]  # fmt: skip


class HistoryEntrySerializer(RatingSerializer):
    own = serializers.BooleanField(
        help_text="True for the CCG's own rating; false for a CCG that merged into it."
    )

    class Meta(RatingSerializer.Meta):
        fields = [*RatingSerializer.Meta.fields, "own"]


class CCGSerializer(serializers.ModelSerializer):
    ods_code = serializers.CharField(help_text="ODS code.")
    ons_code = serializers.CharField(help_text="ONS code.")
    name = serializers.CharField(help_text="The name on the latest register.")
    stp = serializers.CharField(source="stp.name", help_text="STP on the latest register.")
    region = serializers.CharField(source="stp.region.name", help_text="NHS England region.")
    successor_ods_code = serializers.SerializerMethodField(
        help_text="The ODS code of the CCG it merged into, if it did."
    )
    register_years = serializers.SerializerMethodField(
        help_text="The Aprils of the registers that list it."
    )

    class Meta:
        model = CCG
        fields = [
            "ods_code", "ons_code", "name", "stp", "region", "successor_ods_code",
            "register_years",
        ]  # fmt: skip

    def get_successor_ods_code(self, ccg) -> str | None:
        return ccg.successor.ods_code if ccg.successor_id else None

    def get_register_years(self, ccg) -> list[int]:
        return [entry.year for entry in ccg.register_entries.all()]
