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
from ._reference import recipe_reference
from ._schema import (
    AdapterConfig,
    CheckpointingConfig,
    DataConfig,
    InstructStage,
    ModelConfig,
    PretrainStage,
    QuantizationConfig,
    Recipe,
    StageConfig,
    TransferStage,
    VocabConfig,
)

__all__ = [
    "AdapterConfig",
    "CheckpointingConfig",
    "DataConfig",
    "InstructStage",
    "ModelConfig",
    "PretrainStage",
    "QuantizationConfig",
    "Recipe",
    "RecipeError",
    "StageConfig",
    "TransferStage",
    "VocabConfig",
    "apply_override",
    "dump_recipe",
    "load_recipe",
    "package_versions",
    "recipe_from_dict",
    "recipe_reference",
    "safe_load_yaml",
]
