"""What each role gets from each URL pattern and method (see test_permission_matrix.py).

One string per method, one word per role, in the order of tests.cast.ROLES (one vocabulary for every test):

    anonymous  reader  operator_a  operator_b  town1_official  town2_official  daxing_official  yubei_official
    superuser

`-` means the call is not made: the superuser's POSTs to the admin (it may do everything there; only the
refusals matter) and the signed-in roles' reads of the API schema pages (the same for everyone).
`ok` means past the access check (a page, a file, a redirect after a save, or a form/validation error for
the matrix's input); `login` a redirect to a login page; a number the refusing status. "<METHOD> writes"
lists the only roles whose call may change a row; a write by any other role fails the matrix.

Targets are facility A (town 1, district 1 = Daxing) and its records, and facility C (town 1, submitted,
run by operator_a) for the filing decisions; operator_b, town2_official and yubei_official must never get
past a check on them. Facility A is filed and operating, so its public record (directory, API reads) is open
to everyone, as docs/api.md says. Edit this table by hand when an access
rule changes; SECURITY_MATRIX_RECORD=<file> prints what the code does now, to compare.
"""

# The API's answer to a method an endpoint does not take: 401 anonymous, 403 the read-only token, else 405.
# Most API entries below differ only in their GET (and, for actions and lists that create, their POST).
API_NOT_TAKEN = "401 403 405 405 405 405 405 405 405"
API_POST_ONLY = {"PUT": API_NOT_TAKEN, "PATCH": API_NOT_TAKEN, "DELETE": API_NOT_TAKEN}
API_READ_ONLY = {"POST": API_NOT_TAKEN, **API_POST_ONLY}

# Pages that also take an API token for a GET (core/auth.py: the dashboards' .xlsx exports): the roles of
# the region tree are held to the API's reading column for them, not to the pages' "login".
TOKEN_PAGES = frozenset({"planning:export"})

# fmt: off
EXPECTED = {
    "set_language": {
        "GET": "ok ok ok ok ok ok ok ok ok",
        "POST": "ok ok ok ok ok ok ok ok ok",
    },
    "admin:index": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:login": {
        "GET": "ok ok ok ok ok ok ok ok ok",
        "POST": "ok ok ok ok ok ok ok ok -",
    },
    "admin:logout": {
        "GET": "ok ok ok ok ok ok ok ok 405",
        "POST": "ok ok ok ok ok ok ok ok -",
    },
    "admin:password_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:password_change_done": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:autocomplete": {
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:jsi18n": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:view_on_site": {
        "GET": "login login login login login login login login 404",
        "POST": "login login login login login login login login -",
    },
    "admin:auth_group_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:auth_group_add": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:auth_group_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:auth_group_delete": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:auth_group_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/auth/group/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:auth_user_password_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:auth_user_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:auth_user_add": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:auth_user_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:auth_user_delete": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:auth_user_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/auth/user/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:axes_accessattempt_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:axes_accessattempt_add": {
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:axes_accessattempt_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:axes_accessattempt_delete": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:axes_accessattempt_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/axes/accessattempt/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:axes_accesslog_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:axes_accesslog_add": {
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:axes_accesslog_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:axes_accesslog_delete": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:axes_accesslog_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/axes/accesslog/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:axes_accessfailurelog_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:axes_accessfailurelog_add": {
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:axes_accessfailurelog_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:axes_accessfailurelog_delete": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:axes_accessfailurelog_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/axes/accessfailurelog/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:targets_sourcedocument_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:targets_sourcedocument_add": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:targets_sourcedocument_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:targets_sourcedocument_delete": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:targets_sourcedocument_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/targets/sourcedocument/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:targets_region_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:targets_region_add": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:targets_region_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:targets_region_delete": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:targets_region_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/targets/region/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:targets_populationstat_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:targets_populationstat_add": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:targets_populationstat_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:targets_populationstat_delete": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:targets_populationstat_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/targets/populationstat/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:targets_reportedfigure_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:targets_reportedfigure_add": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:targets_reportedfigure_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:targets_reportedfigure_delete": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:targets_reportedfigure_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/targets/reportedfigure/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:targets_slottarget_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:targets_slottarget_add": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:targets_slottarget_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:targets_slottarget_delete": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:targets_slottarget_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/targets/slottarget/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_classtyperule_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_classtyperule_add": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_classtyperule_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_classtyperule_delete": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_classtyperule_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/facilities/classtyperule/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_rulesetting_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_rulesetting_add": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_rulesetting_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_rulesetting_delete": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_rulesetting_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/facilities/rulesetting/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_calendarday_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_calendarday_add": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_calendarday_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_calendarday_delete": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_calendarday_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/facilities/calendarday/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_facility_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_facility_add": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_facility_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_facility_delete": {
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_facility_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/facilities/facility/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_staffmember_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_staffmember_add": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_staffmember_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_staffmember_delete": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_staffmember_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/facilities/staffmember/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_pendingchange_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_pendingchange_add": {
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_pendingchange_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_pendingchange_delete": {
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_pendingchange_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/facilities/pendingchange/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_statuschange_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_statuschange_add": {
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_statuschange_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_statuschange_delete": {
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_statuschange_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/facilities/statuschange/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_authorization_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_authorization_add": {
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_authorization_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_authorization_delete": {
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_authorization_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/facilities/authorization/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_filingsequence_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_filingsequence_add": {
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_filingsequence_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_filingsequence_delete": {
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_filingsequence_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/facilities/filingsequence/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_operatorinvitation_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_operatorinvitation_add": {
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_operatorinvitation_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_operatorinvitation_delete": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_operatorinvitation_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/facilities/operatorinvitation/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_roleassignment_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_roleassignment_add": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_roleassignment_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_roleassignment_delete": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:facilities_roleassignment_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/facilities/roleassignment/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:planning_inclusivesharegoal_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:planning_inclusivesharegoal_add": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:planning_inclusivesharegoal_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:planning_inclusivesharegoal_delete": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:planning_inclusivesharegoal_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/planning/inclusivesharegoal/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:planning_demandassumption_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:planning_demandassumption_add": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:planning_demandassumption_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:planning_demandassumption_delete": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:planning_demandassumption_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/planning/demandassumption/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:planning_importjob_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:planning_importjob_add": {
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:planning_importjob_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:planning_importjob_delete": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:planning_importjob_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/planning/importjob/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:subsidies_fund_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:subsidies_fund_add": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:subsidies_fund_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:subsidies_fund_delete": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:subsidies_fund_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/subsidies/fund/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:subsidies_program_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:subsidies_program_add": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:subsidies_program_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:subsidies_program_delete": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:subsidies_program_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/subsidies/program/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:subsidies_aggregatedisbursement_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:subsidies_aggregatedisbursement_add": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:subsidies_aggregatedisbursement_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:subsidies_aggregatedisbursement_delete": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:subsidies_aggregatedisbursement_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/subsidies/aggregatedisbursement/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:subsidies_application_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:subsidies_application_add": {
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:subsidies_application_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:subsidies_application_delete": {
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:subsidies_application_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/subsidies/application/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:subsidies_ledgerentry_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:subsidies_ledgerentry_add": {
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:subsidies_ledgerentry_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:subsidies_ledgerentry_delete": {
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:subsidies_ledgerentry_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/subsidies/ledgerentry/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:subsidies_project_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:subsidies_project_add": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:subsidies_project_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:subsidies_project_delete": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:subsidies_project_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/subsidies/project/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:subsidies_milestone_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:subsidies_milestone_add": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:subsidies_milestone_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:subsidies_milestone_delete": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:subsidies_milestone_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/subsidies/milestone/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_department_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_department_add": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_department_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_department_delete": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_department_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/supervision/department/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_evaluationframework_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_evaluationframework_add": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_evaluationframework_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_evaluationframework_delete": {  # a published framework edition is never deleted
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_evaluationframework_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/supervision/evaluationframework/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_evaluationdimension_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_evaluationdimension_add": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_evaluationdimension_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_evaluationdimension_delete": {  # a published framework edition is never deleted
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_evaluationdimension_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/supervision/evaluationdimension/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_evaluationitem_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_evaluationitem_add": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_evaluationitem_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_evaluationitem_delete": {  # no item is seeded: the page answers "not found"
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_evaluationitem_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/supervision/evaluationitem/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_gradethreshold_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_gradethreshold_add": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_gradethreshold_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_gradethreshold_delete": {  # a published framework edition is never deleted
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_gradethreshold_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/supervision/gradethreshold/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_supervisionevent_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_supervisionevent_add": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_supervisionevent_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_supervisionevent_delete": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_supervisionevent_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/supervision/supervisionevent/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_gradingweight_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_gradingweight_add": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_gradingweight_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_gradingweight_delete": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_gradingweight_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/supervision/gradingweight/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_gradematrixcell_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_gradematrixcell_add": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_gradematrixcell_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_gradematrixcell_delete": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_gradematrixcell_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/supervision/gradematrixcell/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_householdincome_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_householdincome_add": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_householdincome_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_householdincome_delete": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_householdincome_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/supervision/householdincome/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_inspection_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_inspection_add": {
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_inspection_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_inspection_delete": {
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_inspection_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/supervision/inspection/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_teammember_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_teammember_add": {
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_teammember_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_teammember_delete": {
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_teammember_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/supervision/teammember/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_finding_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_finding_add": {
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_finding_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_finding_delete": {
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_finding_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/supervision/finding/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_findingdeadline_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_findingdeadline_add": {
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_findingdeadline_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_findingdeadline_delete": {
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_findingdeadline_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/supervision/findingdeadline/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_graderecord_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_graderecord_add": {
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_graderecord_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_graderecord_delete": {
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_graderecord_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/supervision/graderecord/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_findingaction_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_findingaction_add": {
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_findingaction_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_findingaction_delete": {
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_findingaction_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/supervision/findingaction/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_complaint_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_complaint_add": {
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_complaint_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_complaint_delete": {
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_complaint_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/supervision/complaint/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_evaluation_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_evaluation_add": {
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_evaluation_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_evaluation_delete": {
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_evaluation_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/supervision/evaluation/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_evaluationscore_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_evaluationscore_add": {
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_evaluationscore_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_evaluationscore_delete": {
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:supervision_evaluationscore_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/supervision/evaluationscore/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:django_tasks_database_dbtaskresult_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:django_tasks_database_dbtaskresult_add": {
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:django_tasks_database_dbtaskresult_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:django_tasks_database_dbtaskresult_delete": {
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:django_tasks_database_dbtaskresult_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/django_tasks_database/dbtaskresult/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:app_list": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/(?P<url>.*)$": {
        "GET": "login login login login login login login login 404",
        "POST": "login login login login login login login login -",
    },
    "tokens:list": {
        "GET": "login login ok ok ok ok ok ok ok",
        "POST": "login login ok ok ok ok ok ok ok",
    },
    "tokens:revoke": {
        "GET": "405 405 405 405 405 405 405 405 405",
        "POST": "login login 404 404 404 404 ok 404 ok",
        "POST writes": "daxing_official superuser",
    },
    "login": {
        "GET": "ok ok ok ok ok ok ok ok ok",
        "POST": "ok ok ok ok ok ok ok ok ok",
    },
    "logout": {
        "GET": "405 405 405 405 405 405 405 405 405",
        "POST": "ok ok ok ok ok ok ok ok ok",
    },
    "password_change": {
        "GET": "login login ok ok ok ok ok ok ok",
        "POST": "login login ok ok ok ok ok ok ok",
    },
    "password_change_done": {
        "GET": "login login ok ok ok ok ok ok ok",
        "POST": "login login 405 405 405 405 405 405 405",
    },
    "password_reset": {
        "GET": "ok ok ok ok ok ok ok ok ok",
        "POST": "ok ok ok ok ok ok ok ok ok",
    },
    "password_reset_done": {
        "GET": "ok ok ok ok ok ok ok ok ok",
        "POST": "405 405 405 405 405 405 405 405 405",
    },
    "password_reset_confirm": {
        "GET": "ok ok ok ok ok ok ok ok ok",
        "POST": "ok ok ok ok ok ok ok ok ok",
    },
    "password_reset_complete": {
        "GET": "ok ok ok ok ok ok ok ok ok",
        "POST": "405 405 405 405 405 405 405 405 405",
    },
    "sign_in_code": {
        "GET": "ok ok ok ok ok ok ok ok ok",
        "POST": "ok ok ok ok ok ok ok ok ok",
    },
    "sign_in_code_issue": {
        "GET": "login login 404 404 404 404 ok ok ok",
        "POST": "login login 404 404 404 404 ok ok ok",
    },
    "directory:list": {
        "GET": "ok ok ok ok ok ok ok ok ok",
        "POST": "ok ok ok ok ok ok ok ok ok",
    },
    "directory:detail": {
        "GET": "ok ok ok ok ok ok ok ok ok",
        "POST": "ok ok ok ok ok ok ok ok ok",
    },
    "registry:list": {
        "GET": "login login ok ok ok ok ok ok ok",
        "POST": "login login ok ok ok ok ok ok ok",
    },
    "registry:create": {
        "GET": "login login ok ok 404 404 ok ok ok",
        "POST": "login login ok ok 404 404 ok ok ok",
    },
    "registry:export": {
        "GET": "login login ok ok ok ok ok ok ok",
        "POST": "login login ok ok ok ok ok ok ok",
    },
    "registry:reviews": {
        "GET": "login login 404 404 404 404 ok ok ok",
        "POST": "login login 404 404 404 404 ok ok ok",
    },
    "registry:accounts": {
        "GET": "login login 404 404 404 404 ok ok ok",
        "POST": "login login 404 404 404 404 ok ok ok",
    },
    "registry:rules": {
        "GET": "login login 404 404 404 404 ok ok ok",
        "POST": "login login 404 404 404 404 ok ok ok",
    },
    "registry:calendar": {
        "GET": "login login 404 404 ok ok ok ok ok",
        "POST": "login login 404 404 405 405 405 405 405",
    },
    "registry:calendar_year": {
        "GET": "login login 404 404 ok ok ok ok ok",
        "POST": "login login 404 404 405 405 405 405 405",
    },
    "registry:calendar_new": {
        "GET": "login login 404 404 404 404 404 404 ok",
        "POST": "login login 404 404 404 404 404 404 ok",
        "POST writes": "superuser",
    },
    "registry:change": {
        "GET": "login login ok 404 ok 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
    },
    "registry:requests": {
        "GET": "login login ok ok 404 404 404 404 404",
        "POST": "login login 405 405 405 405 405 405 405",
    },
    "registry:detail": {
        "GET": "login login ok 404 ok 404 ok 404 ok",
        "POST": "login login ok 404 ok 404 ok 404 ok",
    },
    "registry:edit": {
        "GET": "login login ok 404 404 404 ok 404 ok",
        "POST": "login login ok 404 404 404 ok 404 ok",
    },
    "registry:checklist": {
        "GET": "login login ok 404 404 404 ok 404 ok",
        "GET writes": "operator_a daxing_official superuser",
        "POST": "login login ok 404 404 404 ok 404 ok",
        "POST writes": "operator_a daxing_official superuser",
    },
    "registry:submit": {
        "GET": "login login 405 405 405 405 405 405 405",
        "POST": "login login ok 404 404 404 ok 404 ok",
    },
    "registry:archive": {
        "GET": "login login 405 405 405 405 405 405 405",
        "POST": "login login ok 404 404 404 ok 404 ok",
    },
    "registry:acknowledge": {
        "GET": "login login 405 405 405 405 405 405 405",
        "POST": "login login 404 404 404 404 ok 404 ok",
        "POST writes": "daxing_official superuser",
    },
    "registry:approve": {
        "GET": "login login 405 405 405 405 405 405 405",
        "POST": "login login 404 404 404 404 ok 404 ok",
        "POST writes": "daxing_official superuser",
    },
    "registry:return": {
        "GET": "login login 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
        "POST writes": "daxing_official superuser",
    },
    # Filing materials: files and verdicts for the facility's operator and district (VIEW_STAFF: files hold
    # staff certificates); the issued receipt for whoever sees the facility. Without a file the upload and
    # without a verdict the verdict POST change nothing.
    "registry:materials": {
        "GET": "login login ok 404 404 404 ok 404 ok",
        "POST": "login login ok 404 404 404 ok 404 ok",
    },
    "registry:material_verdict": {
        "GET": "login login 405 405 405 405 405 405 405",
        "POST": "login login 404 404 404 404 ok 404 ok",
    },
    "registry:material_download": {
        "GET": "login login ok 404 404 404 ok 404 ok",
        "POST": "login login 405 405 405 405 405 405 405",
    },
    "registry:document": {
        "GET": "login login ok 404 ok 404 ok 404 ok",
        "POST": "login login 405 405 405 405 405 405 405",
    },
    "registry:status": {
        "GET": "login login 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
    },
    "registry:status_request": {
        "GET": "login login ok 404 404 404 404 404 404",
        "POST": "login login ok 404 404 404 404 404 404",
    },
    "registry:staff_create": {
        "GET": "login login ok 404 404 404 ok 404 ok",
        "POST": "login login ok 404 404 404 ok 404 ok",
    },
    "registry:staff_edit": {
        "GET": "login login ok 404 404 404 ok 404 ok",
        "POST": "login login ok 404 404 404 ok 404 ok",
    },
    "registry:staff_record": {
        "GET": "login login ok 404 404 404 ok 404 ok",
        "POST": "login login ok 404 404 404 ok 404 ok",
    },
    "registry:certificate_edit": {
        "GET": "login login ok 404 404 404 ok 404 ok",
        "POST": "login login ok 404 404 404 ok 404 ok",
    },
    "registry:certificate_retire": {
        "GET": "login login 405 405 405 405 405 405 405",
        "POST": "login login ok 404 404 404 ok 404 ok",
        "POST writes": "operator_a daxing_official superuser",
    },
    "planning:index": {
        "GET": "login login 404 404 ok ok ok ok ok",
        "POST": "login login 404 404 ok ok ok ok ok",
    },
    "planning:compare": {
        "GET": "login login 404 404 ok ok ok ok ok",
        "POST": "login login 404 404 ok ok ok ok ok",
    },
    "planning:district": {
        "GET": "login login 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
    },
    "planning:export": {
        "GET": "login ok 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
    },
    "planning:demand": {
        "GET": "login login 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
    },
    "planning:town": {
        "GET": "login login 404 404 ok 404 ok 404 ok",
        "POST": "login login 404 404 ok 404 ok 404 ok",
    },
    "planning:town_demand": {
        "GET": "login login 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
    },
    "planning:scenario_new": {
        "GET": "login login 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
        "POST writes": "daxing_official superuser",
    },
    "planning:scenario_edit": {
        "GET": "login login 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
        "POST writes": "daxing_official superuser",
    },
    "planning:scenario_delete": {
        "GET": "login login 405 405 405 405 405 405 405",
        "POST": "login login 404 404 404 404 ok 404 ok",
        "POST writes": "daxing_official superuser",
    },
    "planning:population": {
        "GET": "login login 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
    },
    "planning:population_new": {
        "GET": "login login 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
        "POST writes": "daxing_official superuser",
    },
    "planning:population_edit": {
        "GET": "login login 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
        "POST writes": "daxing_official superuser",
    },
    "imports:index": {
        "GET": "login login 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
    },
    "imports:job": {
        "GET": "login login 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
    },
    "imports:job_status": {
        "GET": "login login 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
    },
    "imports:job_problems": {
        "GET": "login login 404 404 404 404 404 404 404",
        "POST": "login login 404 404 404 404 404 404 404",
    },
    "imports:job_confirm": {
        "GET": "login login 405 405 405 405 405 405 405",
        "POST": "login login 404 404 404 404 ok 404 ok",
    },
    "imports:targets_template": {
        "GET": "login login 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
    },
    "imports:roster_template": {
        "GET": "login login 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
    },
    "imports:roster_export": {
        "GET": "login login 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
    },
    "imports:annex": {
        "GET": "login login 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
    },
    "subsidies:index": {
        "GET": "login login ok ok ok ok ok ok ok",
        "POST": "login login ok ok ok ok ok ok ok",
    },
    "subsidies:funds": {
        "GET": "login login 404 404 404 404 ok ok ok",
        "POST": "login login 404 404 404 404 ok ok ok",
    },
    "subsidies:fund": {
        "GET": "login login 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
    },
    "subsidies:fund_new": {
        "GET": "login login 404 404 404 404 ok ok ok",
        "POST": "login login 404 404 404 404 ok ok ok",
    },
    "subsidies:fund_edit": {
        "GET": "login login 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
    },
    "subsidies:fund_plan": {
        "GET": "login login 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
    },
    "subsidies:program_new": {
        "GET": "login login 404 404 404 404 ok ok ok",
        "POST": "login login 404 404 404 404 ok ok ok",
    },
    "subsidies:program": {
        "GET": "login login ok ok ok ok ok 404 ok",
        "POST": "login login 405 405 405 405 405 405 405",
    },
    "subsidies:program_edit": {
        "GET": "login login 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
    },
    "subsidies:program_rules": {
        "GET": "login login 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
        "POST writes": "daxing_official superuser",
    },
    "subsidies:controls": {
        "GET": "login login 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
        "POST writes": "daxing_official superuser",
    },
    "subsidies:summary": {
        "GET": "login login ok ok ok ok ok ok ok",
        "POST": "login login ok ok ok ok ok ok ok",
    },
    "subsidies:programs": {
        "GET": "login login ok ok ok ok ok ok ok",
        "POST": "login login ok ok ok ok ok ok ok",
    },
    "subsidies:applications": {
        "GET": "login login ok ok ok ok ok ok ok",
        "POST": "login login ok ok ok ok ok ok ok",
    },
    "subsidies:apply": {
        "GET": "login login ok ok 404 404 404 404 ok",
        "POST": "login login ok ok 404 404 404 404 ok",
    },
    "subsidies:application": {
        "GET": "login login ok 404 ok 404 ok 404 ok",
        "POST": "login login ok 404 ok 404 ok 404 ok",
    },
    "subsidies:decide": {
        "GET": "login login 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
    },
    "subsidies:pay": {
        "GET": "login login 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
    },
    "subsidies:withdraw": {
        "GET": "login login 405 405 405 405 405 405 405",
        "POST": "login login ok 404 404 404 ok 404 ok",
        "POST writes": "operator_a superuser",
    },
    "subsidies:ledger": {
        "GET": "login login ok ok ok ok ok ok ok",
        "POST": "login login ok ok ok ok ok ok ok",
    },
    "subsidies:reverse": {
        "GET": "login login 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
    },
    "subsidies:projects": {
        "GET": "login login 404 404 ok ok ok ok ok",
        "POST": "login login 404 404 ok ok ok ok ok",
    },
    "subsidies:project": {
        "GET": "login login 404 404 ok 404 ok 404 ok",
        "POST": "login login 404 404 ok 404 ok 404 ok",
    },
    "subsidies:project_new": {
        "GET": "login login 404 404 404 404 ok ok ok",
        "POST": "login login 404 404 404 404 ok ok ok",
        "POST writes": "daxing_official yubei_official superuser",
    },
    "subsidies:project_edit": {
        "GET": "login login 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
        "POST writes": "daxing_official superuser",
    },
    "subsidies:project_milestones": {
        "GET": "login login 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
        "POST writes": "daxing_official superuser",
    },
    "supervision:index": {
        "GET": "login login ok ok ok ok ok ok ok",
        "POST": "login login ok ok ok ok ok ok ok",
    },
    "supervision:dashboard": {
        "GET": "login login 404 404 ok ok ok 404 ok",
        "POST": "login login 404 404 ok ok ok 404 ok",
    },
    "supervision:export": {
        "GET": "login login 404 404 ok ok ok 404 ok",
        "POST": "login login 404 404 ok ok ok 404 ok",
    },
    "supervision:income": {
        "GET": "login login 405 405 405 405 405 405 405",
        "POST": "login login 404 404 ok ok ok 404 ok",
        "POST writes": "daxing_official superuser",
    },
    "supervision:weights": {
        "GET": "login login 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
        "POST writes": "daxing_official superuser",
    },
    "supervision:grade_matrix": {
        "GET": "login login 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
        "POST writes": "daxing_official superuser",
    },
    "supervision:inspections": {
        "GET": "login login 404 404 ok ok ok ok ok",
        "POST": "login login 404 404 ok ok ok ok ok",
    },
    "supervision:inspections_export": {
        "GET": "login login 404 404 ok ok ok ok ok",
        "POST": "login login 404 404 ok ok ok ok ok",
    },
    "supervision:inspection_create": {
        "GET": "login login 404 404 404 404 ok ok ok",
        "POST": "login login 404 404 404 404 ok ok ok",
    },
    "supervision:inspection": {
        "GET": "login login 404 404 ok 404 ok 404 ok",
        "POST": "login login 404 404 ok 404 ok 404 ok",
    },
    "supervision:inspection_edit": {
        "GET": "login login 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
    },
    "supervision:finding_create": {
        "GET": "login login 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
    },
    "supervision:finding_backfill": {
        "GET": "login login 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
    },
    "supervision:findings": {
        "GET": "login login ok ok ok ok ok ok ok",
        "POST": "login login ok ok ok ok ok ok ok",
    },
    "supervision:findings_export": {
        "GET": "login login ok ok ok ok ok ok ok",
        "POST": "login login ok ok ok ok ok ok ok",
    },
    "supervision:finding": {
        "GET": "login login ok 404 ok 404 ok 404 ok",
        "POST": "login login ok 404 ok 404 ok 404 ok",
    },
    "supervision:finding_answer": {
        "GET": "login login ok 404 ok 404 ok 404 ok",
        "POST": "login login ok 404 404 404 404 404 ok",
        "POST writes": "operator_a superuser",
    },
    "supervision:finding_verify": {
        "GET": "login login ok 404 ok 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
    },
    "supervision:finding_reopen": {
        "GET": "login login ok 404 ok 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
    },
    "supervision:finding_deadline": {
        "GET": "login login ok 404 ok 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
        "POST writes": "daxing_official superuser",
    },
    "supervision:complaints": {
        "GET": "login login ok ok ok ok ok ok ok",
        "POST": "login login ok ok ok ok ok ok ok",
    },
    "supervision:complaints_export": {
        "GET": "login login ok ok ok ok ok ok ok",
        "POST": "login login ok ok ok ok ok ok ok",
    },
    "supervision:complaint_create": {
        "GET": "login login 404 404 404 404 ok ok ok",
        "POST": "login login 404 404 404 404 ok ok ok",
    },
    "supervision:complaint": {
        "GET": "login login ok 404 ok 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
    },
    "supervision:grades": {
        "GET": "login login ok ok ok ok ok ok ok",
        "POST": "login login ok ok ok ok ok ok ok",
    },
    "supervision:grades_export": {
        "GET": "login login ok ok ok ok ok ok ok",
        "POST": "login login ok ok ok ok ok ok ok",
    },
    "supervision:grade": {
        "GET": "login login ok 404 ok 404 ok 404 ok",
        "POST": "login login ok 404 ok 404 ok 404 ok",
    },
    "supervision:evaluations": {
        "GET": "login login ok ok ok ok ok ok ok",
        "POST": "login login ok ok ok ok ok ok ok",
    },
    "supervision:evaluations_export": {
        "GET": "login login ok ok ok ok ok ok ok",
        "POST": "login login ok ok ok ok ok ok ok",
    },
    "supervision:evaluation": {
        "GET": "login login ok 404 ok 404 ok 404 ok",
        "POST": "login login ok 404 ok 404 ok 404 ok",
    },
    "supervision:evaluation_compare": {
        "GET": "login login ok 404 ok 404 ok 404 ok",
        "POST": "login login ok 404 ok 404 ok 404 ok",
    },
    "supervision:evaluation_create": {
        "GET": "login login ok 404 404 404 404 404 ok",
        "POST": "login login ok 404 404 404 404 404 ok",
    },
    "api-region-list": {
        "GET": "ok ok ok ok ok ok ok ok ok",
        **API_READ_ONLY,
    },
    "api-region-detail": {
        "GET": "ok ok ok ok ok ok ok ok ok",
        **API_READ_ONLY,
    },
    "api-target-list": {
        "GET": "ok ok ok ok ok ok ok ok ok",
        **API_READ_ONLY,
    },
    "api-target-detail": {
        "GET": "ok ok ok ok ok ok ok ok ok",
        **API_READ_ONLY,
    },
    "api-facility-list": {
        "GET": "ok ok ok ok ok ok ok ok ok",
        "POST": "401 403 ok ok 403 403 ok 403 ok",
        "POST writes": "operator_a operator_b daxing_official superuser",
        **API_POST_ONLY,
    },
    "api-facility-detail": {
        "GET": "ok ok ok ok ok ok ok ok ok",
        "POST": "401 403 405 405 405 405 405 405 405",
        "PUT": "401 403 ok 403 403 403 ok 403 ok",
        "PUT writes": "operator_a daxing_official superuser",
        "PATCH": "401 403 ok 403 403 403 ok 403 ok",
        "PATCH writes": "operator_a daxing_official superuser",
        "DELETE": "401 403 405 405 405 405 405 405 405",
    },
    "api-facility-acknowledge": {
        "GET": "405 405 405 405 405 405 405 405 405",
        "POST": "401 403 403 404 403 404 ok 404 ok",
        "POST writes": "daxing_official superuser",
        **API_POST_ONLY,
    },
    "api-facility-approve": {
        "GET": "405 405 405 405 405 405 405 405 405",
        "POST": "401 403 403 404 403 404 ok 404 ok",
        "POST writes": "daxing_official superuser",
        **API_POST_ONLY,
    },
    "api-facility-return": {
        "GET": "405 405 405 405 405 405 405 405 405",
        "POST": "401 403 403 404 403 404 ok 404 ok",
        "POST writes": "daxing_official superuser",
        **API_POST_ONLY,
    },
    "api-facility-submit": {
        "GET": "405 405 405 405 405 405 405 405 405",
        "POST": "401 403 403 403 403 403 403 403 403",
        **API_POST_ONLY,
    },
    "api-changes": {
        "GET": "401 ok ok ok ok ok ok ok ok",
        **API_READ_ONLY,
    },
    "api-stats-slot-table": {
        "GET": "401 ok ok ok ok ok ok ok ok",
        **API_READ_ONLY,
    },
    "api-facility-workflow-checklist": {
        "GET": "401 ok ok 404 ok 404 ok 404 ok",
        "POST": API_NOT_TAKEN,
        "PUT": API_NOT_TAKEN,
        "PATCH": "401 403 ok 404 404 404 ok 404 ok",
        "PATCH writes": "operator_a daxing_official superuser",
        "DELETE": API_NOT_TAKEN,
    },
    "api-facility-workflow-status": {
        "GET": "401 405 405 405 405 405 405 405 405",
        "POST": "401 403 404 404 404 404 ok 404 ok",
        "POST writes": "daxing_official superuser",
        **API_POST_ONLY,
    },
    "api-facility-workflow-status-request": {
        "GET": "401 405 405 405 405 405 405 405 405",
        "POST": "401 403 ok 404 404 404 403 404 403",
        "POST writes": "operator_a",
        **API_POST_ONLY,
    },
    "api-facility-workflow-materials": {
        "GET": "401 404 ok 404 404 404 ok 404 ok",
        "POST": "401 403 ok 404 404 404 ok 404 ok",
        "POST writes": "operator_a daxing_official superuser",
        **API_POST_ONLY,
    },
    "api-facility-workflow-material-file": {
        "GET": "401 404 ok 404 404 404 ok 404 ok",
        **API_READ_ONLY,
    },
    "api-facility-workflow-material-verdict": {
        "GET": "401 405 405 405 405 405 405 405 405",
        "POST": "401 403 403 404 404 404 ok 404 ok",
        "POST writes": "daxing_official superuser",
        **API_POST_ONLY,
    },
    "api-pending-change-list": {
        "GET": "401 ok ok ok ok ok ok ok ok",
        **API_READ_ONLY,
    },
    "api-pending-change-detail": {
        "GET": "401 ok ok 404 ok 404 ok 404 ok",
        **API_READ_ONLY,
    },
    "api-pending-change-approve": {
        "GET": "401 405 405 405 405 405 405 405 405",
        "POST": "401 403 404 404 404 404 ok 404 ok",
        "POST writes": "daxing_official superuser",
        **API_POST_ONLY,
    },
    "api-pending-change-reject": {
        "GET": "401 405 405 405 405 405 405 405 405",
        "POST": "401 403 404 404 404 404 ok 404 ok",
        "POST writes": "daxing_official superuser",
        **API_POST_ONLY,
    },
    "api-pending-change-withdraw": {
        "GET": "401 405 405 405 405 405 405 405 405",
        "POST": "401 403 ok 404 404 404 403 404 403",
        "POST writes": "operator_a",
        **API_POST_ONLY,
    },
    "admin:coverage_community_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:coverage_community_add": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:coverage_community_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:coverage_community_delete": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:coverage_community_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/coverage/community/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:coverage_coveragesetting_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:coverage_coveragesetting_add": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:coverage_coveragesetting_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:coverage_coveragesetting_delete": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:coverage_coveragesetting_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/coverage/coveragesetting/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:coverage_boundary_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:coverage_boundary_add": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:coverage_boundary_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:coverage_boundary_delete": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:coverage_boundary_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/coverage/boundary/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:coverage_coveragegoal_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:coverage_coveragegoal_add": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:coverage_coveragegoal_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:coverage_coveragegoal_delete": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:coverage_coveragegoal_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/coverage/coveragegoal/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:coverage_scenario_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:coverage_scenario_add": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:coverage_scenario_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:coverage_scenario_delete": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:coverage_scenario_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/coverage/scenario/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:coverage_scenariosite_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:coverage_scenariosite_add": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:coverage_scenariosite_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:coverage_scenariosite_delete": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:coverage_scenariosite_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/coverage/scenariosite/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "api-stats-coverage": {
        "GET": "401 ok ok ok ok ok ok ok ok",
        **API_READ_ONLY,
    },
    "api-community-list": {
        "GET": "401 ok ok ok ok ok ok ok ok",
        **API_READ_ONLY,
    },
    "api-community-detail": {
        "GET": "401 ok ok ok ok 404 ok 404 ok",
        **API_READ_ONLY,
    },
    "api-stats-slots": {
        "GET": "ok ok ok ok ok ok ok ok ok",
        **API_READ_ONLY,
    },
    "api-stats-indicators": {
        "GET": "ok ok ok ok ok ok ok ok ok",
        **API_READ_ONLY,
    },
    "api-town-demand": {
        "GET": "401 ok ok ok ok ok ok ok ok",
        **API_READ_ONLY,
    },
    "api-subsidy-fund-list": {
        "GET": "401 ok ok ok ok ok ok ok ok",
        **API_READ_ONLY,
    },
    "api-subsidy-fund-detail": {
        "GET": "401 ok 404 404 404 404 ok 404 ok",
        **API_READ_ONLY,
    },
    "api-subsidy-program-list": {
        "GET": "401 ok ok ok ok ok ok ok ok",
        **API_READ_ONLY,
    },
    "api-subsidy-program-detail": {
        "GET": "401 ok ok ok ok ok ok 404 ok",
        **API_READ_ONLY,
    },
    "api-subsidy-application-list": {
        "GET": "401 ok ok ok ok ok ok ok ok",
        "POST": "401 403 ok ok 403 ok 403 ok ok",
        "POST writes": "operator_a superuser",
        **API_POST_ONLY,
    },
    "api-subsidy-application-detail": {
        "GET": "401 ok ok 404 ok 404 ok 404 ok",
        **API_READ_ONLY,
    },
    "api-subsidy-application-decide": {
        "GET": "401 405 405 405 405 405 405 405 405",
        "POST": "401 403 403 404 403 404 ok 404 ok",
        "POST writes": "daxing_official superuser",
        **API_POST_ONLY,
    },
    "api-subsidy-application-pay": {
        "GET": "401 405 405 405 405 405 405 405 405",
        "POST": "401 403 403 404 403 404 ok 404 ok",
        **API_POST_ONLY,
    },
    "api-subsidy-application-withdraw": {
        "GET": "401 405 405 405 405 405 405 405 405",
        "POST": "401 403 ok 404 403 404 403 404 ok",
        "POST writes": "operator_a superuser",
        **API_POST_ONLY,
    },
    "api-subsidy-ledger-list": {
        "GET": "401 ok ok ok ok ok ok ok ok",
        **API_READ_ONLY,
    },
    "api-subsidy-ledger-detail": {
        "GET": "401 ok ok 404 ok 404 ok 404 ok",
        **API_READ_ONLY,
    },
    "api-subsidy-ledger-reverse": {
        "GET": "401 405 405 405 405 405 405 405 405",
        "POST": "401 403 403 404 403 404 ok 404 ok",
        "POST writes": "daxing_official superuser",
        **API_POST_ONLY,
    },
    "api-subsidy-project-list": {
        "GET": "401 ok ok ok ok ok ok ok ok",
        **API_READ_ONLY,
    },
    "api-subsidy-project-detail": {
        "GET": "401 ok 404 404 ok 404 ok 404 ok",
        **API_READ_ONLY,
    },
    "api-finding-list": {
        "GET": "401 ok ok ok ok ok ok ok ok",
        "POST": "401 403 404 404 404 404 ok 404 ok",
        "POST writes": "daxing_official superuser",
        **API_POST_ONLY,
    },
    "api-finding-detail": {
        "GET": "401 ok ok 404 ok 404 ok 404 ok",
        **API_READ_ONLY,
    },
    "api-finding-answer": {
        "GET": "401 405 405 405 405 405 405 405 405",
        "POST": "401 403 ok 404 403 404 403 404 ok",
        "POST writes": "operator_a superuser",
        **API_POST_ONLY,
    },
    "api-finding-reopen": {
        "GET": "401 405 405 405 405 405 405 405 405",
        "POST": "401 403 403 404 403 404 ok 404 ok",
        **API_POST_ONLY,
    },
    "api-finding-verify": {
        "GET": "401 405 405 405 405 405 405 405 405",
        "POST": "401 403 403 404 403 404 ok 404 ok",
        **API_POST_ONLY,
    },
    "api-complaint-list": {
        "GET": "401 ok ok ok ok ok ok ok ok",
        "POST": "401 403 404 404 404 404 ok 404 ok",
        "POST writes": "daxing_official superuser",
        **API_POST_ONLY,
    },
    "api-complaint-detail": {
        "GET": "401 ok ok 404 ok 404 ok 404 ok",
        **API_READ_ONLY,
    },
    "api-grade-list": {
        "GET": "401 ok ok ok ok ok ok ok ok",
        **API_READ_ONLY,
    },
    "api-grade-detail": {
        "GET": "401 ok ok 404 ok 404 ok 404 ok",
        **API_READ_ONLY,
    },
    "api-inspection-list": {
        "GET": "401 ok ok ok ok ok ok ok ok",
        "POST": "401 403 404 404 404 404 ok 404 ok",
        "POST writes": "daxing_official superuser",
        **API_POST_ONLY,
    },
    "api-inspection-detail": {
        "GET": "401 ok 404 404 ok 404 ok 404 ok",
        **API_READ_ONLY,
    },
    "api-enrolment-report-list": {
        "GET": "401 ok ok ok ok ok ok ok ok",
        "POST": "401 403 ok 404 403 404 ok 404 ok",
        "POST writes": "operator_a daxing_official superuser",
        **API_POST_ONLY,
    },
    "api-enrolment-report-detail": {
        "GET": "401 ok ok 404 ok 404 ok 404 ok",
        **API_READ_ONLY,
    },
    "api-period-report-list": {
        "GET": "401 ok ok ok ok ok ok ok ok",
        **API_READ_ONLY,
    },
    "api-period-report-detail": {
        "GET": "401 ok 404 404 ok 404 ok 404 ok",
        **API_READ_ONLY,
    },
    "coverage:index": {
        "GET": "login login 404 404 ok ok ok ok ok",
        "POST": "login login 404 404 ok ok ok ok ok",
    },
    "coverage:district": {
        "GET": "login login 404 404 ok ok ok 404 ok",
        "POST": "login login 404 404 ok ok ok 404 ok",
    },
    "coverage:table": {
        "GET": "login login 404 404 ok ok ok 404 ok",
        "POST": "login login 404 404 ok ok ok 404 ok",
    },
    "coverage:communities": {
        "GET": "login login 404 404 ok ok ok 404 ok",
        "POST": "login login 404 404 ok ok ok 404 ok",
    },
    "coverage:community_edit": {
        "GET": "login login 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
    },
    "coverage:import": {
        "GET": "login login 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
    },
    "coverage:boundary": {
        "GET": "login login 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
    },
    "coverage:settings": {
        "GET": "login login 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
        "POST writes": "daxing_official superuser",
    },
    "coverage:scenarios": {
        "GET": "login login 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
        "POST writes": "daxing_official superuser",
    },
    "coverage:scenario": {
        "GET": "login login 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
    },
    "coverage:scenario_delete": {
        "GET": "login login 405 405 405 405 405 405 405",
        "POST": "login login 404 404 404 404 ok 404 ok",
        "POST writes": "daxing_official superuser",
    },
    "coverage:scenario_site_delete": {
        "GET": "login login 405 405 405 405 405 405 405",
        "POST": "login login 404 404 404 404 ok 404 ok",
        "POST writes": "daxing_official superuser",
    },
    "reporting:period_reports": {
        "GET": "login login 404 404 ok ok ok ok ok",
        "POST": "login login 404 404 ok ok ok ok ok",
    },
    "reporting:period_report": {
        "GET": "login login 404 404 ok 404 ok 404 ok",
        "POST": "login login 404 404 ok 404 ok 404 ok",
    },
    "reporting:period_submit": {
        "GET": "login login 405 405 405 405 405 405 405",
        "POST": "login login 404 404 ok 404 ok 404 ok",
        "POST writes": "town1_official daxing_official superuser",
    },
    "reporting:period_refresh": {
        "GET": "login login 405 405 405 405 405 405 405",
        "POST": "login login 404 404 ok 404 ok 404 ok",
        "POST writes": "town1_official daxing_official superuser",
    },
    "reporting:period_approve": {
        "GET": "login login 405 405 405 405 405 405 405",
        "POST": "login login 404 404 404 404 ok 404 ok",
    },
    "reporting:period_return": {
        "GET": "login login 405 405 405 405 405 405 405",
        "POST": "login login 404 404 404 404 ok 404 ok",
    },
    "reporting:period_correct": {
        "GET": "login login 405 405 405 405 405 405 405",
        "POST": "login login 404 404 ok 404 ok 404 ok",
    },
    "reporting:enrolment_reports": {
        "GET": "login login ok ok ok ok ok ok ok",
        "POST": "login login ok ok ok ok ok ok ok",
    },
    "reporting:enrolment_report": {
        "GET": "login login ok 404 ok 404 ok 404 ok",
        "POST": "login login ok 404 ok 404 ok 404 ok",
    },
    "reporting:enrolment_fill": {
        "GET": "login login ok 404 404 404 ok 404 ok",
        "POST": "login login ok 404 404 404 ok 404 ok",
        "POST writes": "operator_a daxing_official superuser",
    },
    "reporting:district": {
        "GET": "login login 404 404 ok ok ok 404 ok",
        "POST": "login login 404 404 ok ok ok 404 ok",
    },
    "reporting:settings": {
        "GET": "login login 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
        "POST writes": "daxing_official superuser",
    },
    "reporting:import": {
        "GET": "login login 404 404 404 404 ok 404 ok",
        "POST": "login login 404 404 404 404 ok 404 ok",
    },
    "reporting:compile": {
        "GET": "login login 405 405 405 405 405 405 405",
        "POST": "login login 404 404 404 404 ok 404 ok",
        "POST writes": "daxing_official superuser",
    },
    "api-schema": {
        "GET": "ok ok - - - - - - ok",
        "POST": "405 405 405 405 405 405 405 405 405",
        "PUT": "405 405 405 405 405 405 405 405 405",
        "PATCH": "405 405 405 405 405 405 405 405 405",
        "DELETE": "405 405 405 405 405 405 405 405 405",
    },
    "api-docs": {
        "GET": "ok ok - - - - - - ok",
        "POST": "405 405 405 405 405 405 405 405 405",
        "PUT": "405 405 405 405 405 405 405 405 405",
        "PATCH": "405 405 405 405 405 405 405 405 405",
        "DELETE": "405 405 405 405 405 405 405 405 405",
    },
    "api-redoc": {
        "GET": "ok ok - - - - - - ok",
        "POST": "405 405 405 405 405 405 405 405 405",
        "PUT": "405 405 405 405 405 405 405 405 405",
        "PATCH": "405 405 405 405 405 405 405 405 405",
        "DELETE": "405 405 405 405 405 405 405 405 405",
    },
    # /fhir/ (interop): read-only FHIR; the CapabilityStatement is open, everything else scoped like the API
    "fhir-metadata": {
        "GET": "ok ok ok ok ok ok ok ok ok",
        "POST": "405 405 405 405 405 405 405 405 405",
        "PUT": "405 405 405 405 405 405 405 405 405",
        "PATCH": "405 405 405 405 405 405 405 405 405",
        "DELETE": "405 405 405 405 405 405 405 405 405",
    },
    "fhir-organization-search": {"GET": "401 ok ok ok ok ok ok ok ok", **API_READ_ONLY},
    "fhir-organization-history": {"GET": "401 ok ok ok ok ok ok ok ok", **API_READ_ONLY},
    "fhir-organization-read": {"GET": "401 ok ok 404 ok 404 ok 404 ok", **API_READ_ONLY},
    "fhir-location-search": {"GET": "401 ok ok ok ok ok ok ok ok", **API_READ_ONLY},
    "fhir-location-history": {"GET": "401 ok ok ok ok ok ok ok ok", **API_READ_ONLY},
    "fhir-location-read": {"GET": "401 ok ok 404 ok 404 ok 404 ok", **API_READ_ONLY},
    "fhir-unknown": {
        "GET": "404 404 404 404 404 404 404 404 404",
        "POST": "404 404 404 404 404 404 404 404 404",
        "PUT": "404 404 404 404 404 404 404 404 404",
        "PATCH": "404 404 404 404 404 404 404 404 404",
        "DELETE": "404 404 404 404 404 404 404 404 404",
    },
    "api/^.*$": {
        "GET": "404 404 404 404 404 404 404 404 404",
        "POST": "404 404 404 404 404 404 404 404 404",
        "PUT": "404 404 404 404 404 404 404 404 404",
        "PATCH": "404 404 404 404 404 404 404 404 404",
        "DELETE": "404 404 404 404 404 404 404 404 404",
    },
    "targets:home": {
        "GET": "ok ok ok ok ok ok ok ok ok",
        "POST": "ok ok ok ok ok ok ok ok ok",
    },
    "targets:district": {
        "GET": "ok ok ok ok ok ok ok ok ok",
        "POST": "ok ok ok ok ok ok ok ok ok",
    },
    "targets:regions": {
        "GET": "login login 404 404 ok ok ok ok ok",
        "POST": "login login 404 404 405 405 405 405 405",
    },
    "targets:region": {
        "GET": "login login 404 404 ok 404 ok 404 ok",
        "POST": "login login 404 404 405 405 405 405 405",
    },
    "^static/(?P<path>.*)$": {
        "GET": "ok ok ok ok ok ok ok ok ok",
        "POST": "405 405 405 405 405 405 405 405 405",
    },
    "admin:accounts_securityevent_changelist": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:accounts_securityevent_add": {
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:accounts_securityevent_history": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin:accounts_securityevent_delete": {
        "GET": "login login login login login login login login 403",
        "POST": "login login login login login login login login -",
    },
    "admin:accounts_securityevent_change": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
    "admin/accounts/securityevent/<path:object_id>/": {
        "GET": "login login login login login login login login ok",
        "POST": "login login login login login login login login -",
    },
}
# fmt: on
