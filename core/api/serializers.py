from rest_framework import serializers

from core.models import Job


class JobSerializer(serializers.ModelSerializer):
    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "status",
            "payload",
            "attempts",
            "max_attempts",
            "run_after",
            "started_at",
            "finished_at",
            "last_error",
            "result",
            "created_at",
        ]
        read_only_fields = fields


class MeSerializer(serializers.Serializer):
    principal = serializers.CharField()
    kind = serializers.ChoiceField(choices=["user", "api_key"])
    role = serializers.CharField(allow_null=True)
    scopes = serializers.ListField(child=serializers.CharField())
    language = serializers.CharField()
