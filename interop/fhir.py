"""The portal's records as FHIR R4 resources, after IHE mCSD (Mobile Care Services Discovery): the one place
where a model becomes a FHIR dict. Views and the history feed only call these functions.

- A facility is an mCSD Facility: an `Organization` (the legal unit: name, identifiers, type) and a `Location`
  (the place: address, position, status) whose `managingOrganization` is that Organization. Both have the id
  `facility-<pk>`.
- A region of the NBS tree (city, district, town) is an mCSD Jurisdiction `Location` (physicalType `jdn`),
  id `region-<pk>`, `partOf` its parent region. A facility's Location is `partOf` its town (its district when
  the town is not known).

Identifiers carry the systems below (docs/api.md "FHIR (mCSD)"). The position is the stored WGS-84 point
(core.geo: every point is converted to WGS-84 when it is entered); a facility without one has no position.
Synthetic (demo, benchmark) facilities carry the standard test-data tag (HTEST)."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext_lazy as _

FHIR_VERSION = "4.0.1"
JSON_MEDIA_TYPE = "application/fhir+json"

# Identifier systems (documented in docs/api.md; stable: clients key their copies by them).
SYSTEM_FACILITY_ID = "urn:tuoyu-portal:sid:facility-id"  # the portal's facility number
SYSTEM_FILING_NUMBER = "urn:tuoyu-portal:sid:filing-number"  # 备案编号 (<区县代码>-<年份>-<序号>)
SYSTEM_CREDIT_CODE = "urn:tuoyu-portal:sid:uscc"  # 统一社会信用代码 (GB 32100-2015, 18 characters)
SYSTEM_DIVISION_CODE = "urn:tuoyu-portal:sid:nbs-division-code"  # 国家统计局统计用区划代码
SYSTEM_REGION_CODE = "urn:tuoyu-portal:sid:region-code"  # a code the portal assigned (no official one yet)
# Code systems of the portal's own vocabularies (the codes are the portal's choice values).
SYSTEM_FACILITY_KIND = "urn:tuoyu-portal:cs:facility-kind"
SYSTEM_OPERATING_STATUS = "urn:tuoyu-portal:cs:operating-status"
SYSTEM_REGION_KIND = "urn:tuoyu-portal:cs:region-kind"

MCSD_TYPES = "https://profiles.ihe.net/ITI/mCSD/CodeSystem/IHE.mCSD.Organization.Location.Types"
PHYSICAL_TYPES = "http://terminology.hl7.org/CodeSystem/location-physical-type"
ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"

FACILITY_PREFIX, REGION_PREFIX = "facility-", "region-"

# Location.status by the facility's operating status: active | suspended | inactive.
LOCATION_STATUS = {
    "operating": "active",
    "suspended": "suspended",
    "planned": "inactive",
    "under_construction": "inactive",
    "closed": "inactive",
}

ISSUE_CODES = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found", 405: "not-supported"}
ISSUE_CODES |= {406: "not-supported", 409: "conflict", 429: "throttled"}


def instant(moment: datetime.datetime | None) -> str | None:
    """A FHIR instant (UTC, milliseconds)."""
    if moment is None:
        return None
    return moment.astimezone(datetime.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def facility_id(pk) -> str:
    return f"{FACILITY_PREFIX}{pk}"


def region_id(pk) -> str:
    return f"{REGION_PREFIX}{pk}"


def parse_id(resource_id: str, prefix: str) -> int | None:
    """The primary key in `<prefix><digits>`, or None when `resource_id` is not of that form."""
    if not resource_id.startswith(prefix):
        return None
    number = resource_id[len(prefix) :]
    return int(number) if number.isascii() and number.isdigit() and len(number) <= 18 else None


def _coding(system: str, code: str, display=None) -> dict:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = str(display)
    return coding


def _concept(system: str, code: str, display=None) -> dict:
    return {"coding": [_coding(system, code, display)]}


def _meta(obj) -> dict:
    meta = {"versionId": str(obj.version), "lastUpdated": instant(obj.updated_at)}
    if getattr(obj, "is_synthetic", False):
        meta["tag"] = [_coding(ACT_REASON, "HTEST", "test health data")]
    return meta


def _reference(resource_type: str, resource_id: str, display=None) -> dict:
    reference = {"reference": f"{resource_type}/{resource_id}"}
    if display:
        reference["display"] = str(display)
    return reference


def facility_identifiers(facility) -> list[dict]:
    identifiers = [{"use": "secondary", "system": SYSTEM_FACILITY_ID, "value": str(facility.pk)}]
    if facility.filing_number:
        identifiers.append(
            {"use": "official", "system": SYSTEM_FILING_NUMBER, "value": facility.filing_number}
        )
    if facility.credit_code:
        identifiers.append({"use": "official", "system": SYSTEM_CREDIT_CODE, "value": facility.credit_code})
    return identifiers


def region_identifiers(region) -> list[dict]:
    system = SYSTEM_DIVISION_CODE if region.official_code else SYSTEM_REGION_CODE
    identifiers = [{"use": "official", "system": system, "value": region.code}]
    if region.former_code:
        identifiers.append({"use": "old", "system": SYSTEM_REGION_CODE, "value": region.former_code})
    return identifiers


def organization(facility) -> dict:
    """The facility as an mCSD Facility Organization."""
    resource = {
        "resourceType": "Organization",
        "id": facility_id(facility.pk),
        "meta": _meta(facility),
        "identifier": facility_identifiers(facility),
        "active": facility.operating_status != "closed",
        "type": [
            _concept(MCSD_TYPES, "facility", "Facility"),
            _concept(SYSTEM_FACILITY_KIND, facility.kind, facility.get_kind_display()),
        ],
        "name": facility.name,
    }
    if facility.public_phone:
        resource["telecom"] = [{"system": "phone", "value": facility.public_phone, "use": "work"}]
    return resource


def _address(facility) -> dict | None:
    district = facility.district
    city = district.parent if district is not None else None
    address = {"use": "work", "type": "physical"}
    if facility.address:
        address["text"] = facility.address
        address["line"] = [facility.address]
    if city is not None:
        address["city"] = city.name
    if district is not None:
        address["district"] = district.name
    address["country"] = "CN"
    return address


def _facility_parent(facility):
    return facility.town if facility.town_id is not None else facility.district


def facility_location(facility) -> dict:
    """The facility as an mCSD Facility Location, managed by its Organization, part of its town."""
    resource = {
        "resourceType": "Location",
        "id": facility_id(facility.pk),
        "meta": _meta(facility),
        "identifier": facility_identifiers(facility),
        "status": LOCATION_STATUS.get(facility.operating_status, "inactive"),
        "operationalStatus": _coding(
            SYSTEM_OPERATING_STATUS, facility.operating_status, facility.get_operating_status_display()
        ),
        "name": facility.name,
        "mode": "instance",
        "type": [_concept(MCSD_TYPES, "facility", "Facility")],
        "physicalType": _concept(PHYSICAL_TYPES, "bu", "Building"),
        "address": _address(facility),
        "managingOrganization": _reference("Organization", facility_id(facility.pk), facility.name),
    }
    if facility.public_phone:
        resource["telecom"] = [{"system": "phone", "value": facility.public_phone, "use": "work"}]
    if facility.latitude is not None and facility.longitude is not None:
        # stored in WGS-84 (core.geo), the datum FHIR's Location.position is defined in
        resource["position"] = {"longitude": float(facility.longitude), "latitude": float(facility.latitude)}
    parent = _facility_parent(facility)
    if parent is not None:
        resource["partOf"] = _reference("Location", region_id(parent.pk), parent.name)
    return resource


def region_location(region) -> dict:
    """A region of the NBS tree as an mCSD Jurisdiction Location, part of its parent region."""
    resource = {
        "resourceType": "Location",
        "id": region_id(region.pk),
        "meta": _meta(region),
        "identifier": region_identifiers(region),
        "status": "active",
        "name": region.name,
        "mode": "instance",
        "type": [
            _concept(MCSD_TYPES, "jurisdiction", "Jurisdiction"),
            _concept(SYSTEM_REGION_KIND, region.kind, region.get_kind_display()),
        ],
        "physicalType": _concept(PHYSICAL_TYPES, "jdn", "Jurisdiction"),
    }
    if region.official_name and region.official_name != region.name:
        resource["alias"] = [region.official_name]
    if region.parent_id is not None:
        resource["partOf"] = _reference("Location", region_id(region.parent_id), region.parent.name)
    return resource


def operation_outcome(status: int, message: str, details: dict | None = None) -> dict:
    """An error as an OperationOutcome: one issue for the error, one more per offending parameter."""
    code = ISSUE_CODES.get(status, "exception" if status >= 500 else "processing")
    issues = []
    for name, problems in (details or {}).items():
        for problem in problems:
            text = problem.get("message", "") if isinstance(problem, dict) else str(problem)
            issues.append({"severity": "error", "code": code, "diagnostics": f"{name}: {text}"})
    if not issues:
        issues.append({"severity": "error", "code": code, "diagnostics": str(message)})
    return {"resourceType": "OperationOutcome", "issue": issues}


def searchset(entries: list[tuple[str, dict]], *, total: int, links: dict[str, str]) -> dict:
    """A searchset Bundle of (fullUrl, resource) with its paging links (self, next, previous)."""
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "timestamp": instant(datetime.datetime.now(datetime.UTC)),
        "total": total,
        "link": [{"relation": relation, "url": url} for relation, url in links.items()],
    }
    if entries:  # FHIR JSON has no empty arrays
        bundle["entry"] = [
            {"fullUrl": url, "resource": resource, "search": {"mode": "match"}} for url, resource in entries
        ]
    return bundle


def history_entry(*, full_url: str, path: str, kind: str, time, version, resource: dict | None) -> dict:
    """One entry of a history Bundle: the version as it was (create, update), or a DELETE (deleted, or moved
    out of the caller's scope: a client drops its copy either way)."""
    if resource is None:
        return {
            "fullUrl": full_url,
            "request": {"method": "DELETE", "url": path},
            "response": {"status": "204 No Content", "lastModified": instant(time)},
        }
    created = kind == "created"
    response = {"status": "201 Created" if created else "200 OK", "lastModified": instant(time)}
    if version is not None:
        response["etag"] = f'W/"{version}"'
    return {
        "fullUrl": full_url,
        "resource": resource,
        "request": {
            "method": "POST" if created else "PUT",
            "url": path.rsplit("/", 1)[0] if created else path,
        },
        "response": response,
    }


def history_bundle(entries: list[dict], links: dict[str, str]) -> dict:
    return {
        "resourceType": "Bundle",
        "type": "history",
        "timestamp": instant(datetime.datetime.now(datetime.UTC)),
        "link": [{"relation": relation, "url": url} for relation, url in links.items()],
        **({"entry": entries} if entries else {}),
    }


# ---------------------------------------------------------------- the CapabilityStatement

COMMON_SEARCH = [
    ("_id", "token", _("资源编号（facility-<编号> 或 region-<编号>），可用逗号分隔多个")),
    ("_lastUpdated", "date", _("最后修改时间，可加前缀 ge、gt、le、lt、eq（ISO 8601 日期或时间）")),
    ("name", "string", _("名称包含（不区分大小写）；name:exact 为完全相同")),
    (
        "identifier",
        "token",
        _("标识符：system|value 或 value（备案编号、统一社会信用代码、机构编号、区划代码）"),
    ),
]
LOCATION_SEARCH = [
    *COMMON_SEARCH,
    ("partof", "reference", _("上级地区 Location/region-<编号> 的直接下级；partof:below 为其下各级")),
    ("type", "token", _("facility（机构）或 jurisdiction（地区）")),
]


def _resource_capability(resource_type: str, params) -> dict:
    return {
        "type": resource_type,
        "interaction": [{"code": "read"}, {"code": "search-type"}, {"code": "history-type"}],
        "versioning": "versioned",
        "readHistory": False,
        "updateCreate": False,
        "searchParam": [
            {"name": name, "type": kind, "documentation": str(documentation)}
            for name, kind, documentation in params
        ],
    }


def capability_statement(base_url: str) -> dict:
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-12-04",
        "publisher": "托育服务管理门户",
        "kind": "instance",
        "software": {"name": "tuoyu-portal"},
        "implementation": {
            "description": str(_("托育服务管理门户 FHIR 接口（只读，IHE mCSD）")),
            "url": base_url,
        },
        "fhirVersion": FHIR_VERSION,
        "format": [JSON_MEDIA_TYPE],
        "rest": [
            {
                "mode": "server",
                "documentation": str(
                    _(
                        "只读。分页：_count（默认 50，最多 500）和 Bundle 的 next 链接。"
                        "历史：_since（ISO 8601），按时间先后排列，删除和移出您的范围均为 DELETE 条目。"
                    )
                ),
                "security": {
                    "cors": False,
                    "description": str(
                        _("须使用接口令牌（Authorization: Bearer <令牌>），只返回令牌范围内的机构和地区。")
                    ),
                },
                "resource": [
                    _resource_capability("Organization", COMMON_SEARCH),
                    _resource_capability("Location", LOCATION_SEARCH),
                ],
            }
        ],
    }
