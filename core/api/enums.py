"""Choice fields as named enum components in the OpenAPI schema (every app's serializers use them)."""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers

# "<app>.<Model>.<field>" → enum name, for choice sets several fields share; apps add theirs.
SHARED_ENUM_NAMES: dict[str, str] = {}


class NamedChoiceField(serializers.ChoiceField):
    """A choice field documented as a named enum component of the OpenAPI schema.

    drf-spectacular names inline enums after their field, so fields of the same name with
    other values elsewhere ("kind" of /me/, a check's "outcome") collide and warn; a named
    component does not, and one choice set used by two fields keeps one name.
    """

    def __init__(self, *, enum_name: str, may_be_blank: bool = False, **kwargs):
        self.enum_name = enum_name
        self.may_be_blank = may_be_blank  # read-only fields drop allow_blank, but their values may be ""
        super().__init__(**kwargs)


class NamedChoiceFieldExtension(OpenApiSerializerFieldExtension):
    target_class = NamedChoiceField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        component = ResolvedComponent(
            name=field.enum_name,
            type=ResolvedComponent.SCHEMA,
            object=NamedChoiceField,
            schema={
                "type": "string",
                "enum": [value for value in field.choices if value != ""],
                "description": "\n".join(f"* `{value}` - {label}" for value, label in field.choices.items() if value),
            },
        )
        auto_schema.registry.register_on_missing(component)
        if field.allow_blank or field.may_be_blank:
            return {"oneOf": [component.ref, {"type": "string", "enum": [""]}]}
        return component.ref


class NamedEnumModelSerializer(serializers.ModelSerializer):
    """Model choice fields become named enums (see NamedChoiceField)."""

    serializer_choice_field = NamedChoiceField

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if field_class is NamedChoiceField:
            label = f"{model_field.model._meta.label}.{model_field.name}"
            camel = "".join(part.capitalize() for part in model_field.name.split("_"))
            kwargs["enum_name"] = SHARED_ENUM_NAMES.get(label, f"{model_field.model.__name__}{camel}Enum")
            kwargs["may_be_blank"] = model_field.blank
        return field_class, kwargs
