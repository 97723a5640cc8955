"""A small valid content pack, written to a temporary folder, for loader and validator tests."""

from pathlib import Path

import pytest
import yaml

from lessons.pack import PackError, load_pack

AWS_URL = "https://aws.amazon.com/compliance/shared-responsibility-model/"
LAYERS = ["physical-infrastructure", "guest-os", "customer-data"]
CHECKED = "2026-11-22"


def cell(owner: str, reason: str = "Because the sources say so.") -> dict:
    return {"owner": owner, "reason": reason, "checked_on": CHECKED}


def minimal_files() -> dict[str, object]:
    return {
        "layers.yaml": {
            "layers": [
                {
                    "slug": slug,
                    "name": slug.replace("-", " ").title(),
                    "order": i + 1,
                    "description": "A layer.",
                }
                for i, slug in enumerate(LAYERS)
            ]
        },
        "categories.yaml": {
            "categories": [
                {
                    "slug": slug,
                    "name": f"{slug.title()} services",
                    "summary": "A category.",
                    "aws_manages": "Some things.",
                    "customer_manages": "Other things.",
                    "examples": ["Amazon EC2"],
                    "two_category_home": home,
                    "sources": [AWS_URL],
                }
                for slug, home in [("infrastructure", "infrastructure"), ("abstracted", "abstracted")]
            ],
            "wordings": [
                {
                    "slug": "two-category",
                    "name": "Two categories",
                    "description": "Infrastructure and abstracted.",
                    "categories": ["infrastructure", "abstracted"],
                    "sources": [AWS_URL],
                }
            ],
            "difference": "How the wordings differ.",
            "disagreement": "Where the sources disagree.",
        },
        "services/ec2.yaml": {
            "slug": "ec2",
            "name": "Amazon EC2",
            "category": "infrastructure",
            "summary": "Virtual servers.",
            "sources": [AWS_URL],
            "matrix": {
                "physical-infrastructure": cell("AWS"),
                "guest-os": cell("Customer"),
                "customer-data": cell("Customer"),
            },
        },
        "services/s3.yaml": {
            "slug": "s3",
            "name": "Amazon S3",
            "category": "abstracted",
            "summary": "Object storage.",
            "sources": [AWS_URL],
            "matrix": {
                "physical-infrastructure": cell("AWS"),
                "guest-os": cell("AWS"),
                "customer-data": cell("Customer"),
            },
        },
        "duties/core.yaml": {
            "duties": [
                {
                    "slug": "ec2-patch-guest-os",
                    "statement": "Patch the guest operating system of an EC2 instance.",
                    "owner": "Customer",
                    "layer": "guest-os",
                    "services": ["ec2"],
                    "explanation": "The customer controls the instance.",
                    "sources": [AWS_URL],
                    "exam_tasks": ["2.1"],
                    "checked_on": CHECKED,
                },
                {
                    "slug": "secure-data-centres",
                    "statement": "Guard the data centres.",
                    "owner": "AWS",
                    "layer": "physical-infrastructure",
                    "categories": ["infrastructure", "abstracted"],
                    "explanation": "AWS runs the buildings.",
                    "sources": [AWS_URL],
                    "exam_tasks": ["2.1"],
                    "checked_on": CHECKED,
                },
            ]
        },
        "misconceptions.yaml": {
            "misconceptions": [
                {
                    "slug": "aws-patches-ec2",
                    "myth": "AWS patches my EC2 instances.",
                    "correction": "The customer does.",
                    "wrong_owner": "AWS",
                    "layers": ["guest-os"],
                    "services": ["ec2"],
                    "duties": ["ec2-patch-guest-os"],
                    "sources": [AWS_URL],
                    "exam_tasks": ["2.1"],
                    "checked_on": CHECKED,
                }
            ]
        },
        "control_types.yaml": {
            "control_types": [
                {
                    "slug": "inherited",
                    "name": "Inherited controls",
                    "description": "Taken over from AWS.",
                    "aws_part": "Operates them.",
                    "customer_part": "Relies on them.",
                    "examples": ["Physical controls"],
                    "duties": ["ec2-patch-guest-os"],
                    "sources": [AWS_URL],
                }
            ]
        },
        "best_practices.yaml": {
            "best_practices": [
                {
                    "slug": "patch-on-a-schedule",
                    "title": "Patch on a schedule",
                    "summary": "Keep guests patched.",
                    "duties": ["ec2-patch-guest-os"],
                    "services": ["ec2"],
                    "other_tools": ["AWS Systems Manager"],
                    "sources": [AWS_URL],
                }
            ]
        },
        "compliance.yaml": {
            "compliance": [
                {
                    "slug": "pci-dss",
                    "framework": "PCI DSS",
                    "aws_attests": "Its infrastructure.",
                    "customer_owns": "Their environment.",
                    "sources": [AWS_URL],
                }
            ]
        },
        "glossary.yaml": {
            "terms": [
                {
                    "slug": "guest-os",
                    "term": "Guest operating system",
                    "aliases": ["guest OS"],
                    "definition": "The operating system inside a virtual machine.",
                    "layers": ["guest-os"],
                    "services": ["ec2"],
                    "sources": [AWS_URL],
                    "checked_on": CHECKED,
                },
                {
                    "slug": "sse",
                    "term": "Server-side encryption",
                    "aliases": ["SSE"],
                    "match_case": True,
                    "definition": "Encryption the service performs when it stores the data.",
                    "sources": [AWS_URL],
                    "checked_on": CHECKED,
                },
            ]
        },
        "exam.yaml": {
            "exam_tasks": [
                {
                    "slug": "clf-c02-task-2-1",
                    "exam": "AWS Certified Cloud Practitioner (CLF-C02)",
                    "domain": "Domain 2",
                    "title": "Task Statement 2.1",
                    "skills": ["Recognise the components"],
                    "sources": [AWS_URL],
                }
            ]
        },
    }


def write_files(root: Path, files: dict[str, object]) -> Path:
    for relative, data in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return root


def problems(tmp_path: Path, files: dict[str, object]) -> list[str]:
    """The broken rules the validator reports for these files, as "file: item: rule" lines."""
    write_files(tmp_path / "content", files)
    with pytest.raises(PackError) as exc:
        load_pack(tmp_path / "content")
    return [str(p) for p in exc.value.problems]
