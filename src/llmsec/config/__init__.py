"""Recipe schema (typed, validated) and YAML in and out."""

from ._io import (
    RecipeError,
    apply_override,
    dump_recipe,
    load_recipe,
    package_versions,
    recipe_from_dict,
    safe_load_yaml,
)
from ._preference import PreferenceStage
from ._reference import recipe_reference
from ._schema import (
    LEVERS,
    AdapterConfig,
    CheckpointingConfig,
    DataConfig,
    InstructStage,
    Lever,
    ModelConfig,
    PretrainStage,
    QuantizationConfig,
    Recipe,
    StageBase,
    StageConfig,
    TransferStage,
    VocabConfig,
)
from ._stages import STAGES, StageSpec, register_stage, stage_spec, stage_specs, unregister_stage

__all__ = [
    "LEVERS",
    "STAGES",
    "AdapterConfig",
    "CheckpointingConfig",
    "DataConfig",
    "InstructStage",
    "Lever",
    "ModelConfig",
    "PreferenceStage",
    "PretrainStage",
    "QuantizationConfig",
    "Recipe",
    "RecipeError",
    "StageBase",
    "StageConfig",
    "StageSpec",
    "TransferStage",
    "VocabConfig",
    "apply_override",
    "dump_recipe",
    "load_recipe",
    "package_versions",
    "recipe_from_dict",
    "recipe_reference",
    "register_stage",
    "safe_load_yaml",
    "stage_spec",
    "stage_specs",
    "unregister_stage",
]
