"""API of the reference rates default interest is computed from (read only: finance managers
enter rates in the admin)."""

from __future__ import annotations

from django_filters import rest_framework as filters
from rest_framework import mixins, viewsets
from rest_framework.routers import DefaultRouter

from core.api.enums import NamedEnumModelSerializer
from core.api.filters import ApiFilterSet, TieBreakOrderingFilter

from .models import ReferenceRate


class ReferenceRateSerializer(NamedEnumModelSerializer):
    class Meta:
        model = ReferenceRate
        fields = ["id", "series", "valid_from", "rate", "source"]
        read_only_fields = fields


class ReferenceRateFilter(ApiFilterSet):
    class Meta:
        model = ReferenceRate
        fields = {"series": ["exact"], "valid_from": ["lte", "gte"]}


class ReferenceRateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Reference rates per series (German base rate, ECB main refinancing rate, Austrian base
    rate), each valid from its day; the rate of a half-year is the one in force on its first day."""

    api_area = "payments"
    queryset = ReferenceRate.objects.all()
    serializer_class = ReferenceRateSerializer
    filterset_class = ReferenceRateFilter
    filter_backends = [filters.DjangoFilterBackend, TieBreakOrderingFilter]
    ordering_fields = ["valid_from", "id"]
    ordering = ["series", "-valid_from", "id"]


router = DefaultRouter()
router.include_root_view = False
router.register("reference-rates", ReferenceRateViewSet, basename="reference-rate")
urlpatterns = [*router.urls]
