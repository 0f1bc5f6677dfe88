{#- CTE `staff_in_snapshot` (tenant, staff_id, name, group_name): the staff of the latest
    snapshot with their group's name from `groups` (a relation or CTE with tenant, group_id,
    name; NULL when the group is unknown). The first choice for a row's MaNV and Team in the
    report tables (warehouse spec: Team is the staff member's group, else the call's fromGroup,
    else 'Unassigned'). -#}
{% macro staff_in_snapshot_cte(groups) -%}
staff_in_snapshot as (
    select
        staff.tenant,
        staff._id as staff_id,
        staff.name,
        staff_groups.name as group_name
    from {{ ref('staff') }} as staff
    left join {{ groups }} as staff_groups
        on staff.tenant = staff_groups.tenant and staff.group_id = staff_groups.group_id
    where staff.in_latest_snapshot
)
{%- endmacro %}
