-- Which report status categories each (tenant, normalised phone) is in, from the CURRENT
-- status of its customers (customer mart) and the editable seed status_rules. A number shared
-- by several customers is in the union of their categories; a status may be in several.
with customers as (
    select
        tenant,
        phone_normalized,
        status_normalized,
        {{ callio.status_parts_wrapped('status_normalized') }} as status_parts
    from {{ ref('customer') }}
    where phone_normalized is not null
      and status_normalized is not null
),

rules as (
    select
        category,
        lower(trim(match_type)) as match_type,
        {{ callio.normalize_status('pattern') }} as pattern
    from {{ ref('status_rules') }}
)

select distinct
    customers.tenant,
    customers.phone_normalized,
    rules.category
from customers
cross join rules
where (rules.match_type = 'contains'
       and {{ dbt.position('rules.pattern', 'customers.status_normalized') }} > 0)
   or (rules.match_type = 'equals'
       and {{ dbt.position(dbt.concat(["'|'", 'rules.pattern', "'|'"]), 'customers.status_parts') }} > 0)
