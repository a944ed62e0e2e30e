"""The modules and fields a new org starts with (shared/spec/standard-modules.md)."""

from __future__ import annotations

from bulkwrite.domain.modules import Field, FieldType, Module

T = FieldType

LEAD_SOURCES = (
    "Advertisement",
    "Cold Call",
    "Employee Referral",
    "External Referral",
    "Online Store",
    "Partner",
    "Public Relations",
    "Sales Email Alias",
    "Seminar Partner",
    "Internal Seminar",
    "Trade Show",
    "Web Download",
    "Web Research",
    "Chat",
)
INDUSTRIES = (
    "ASP (Application Service Provider)",
    "Data/Telecom OEM",
    "ERP (Enterprise Resource Planning)",
    "Government/Military",
    "Large Enterprise",
    "ManagementISV",
    "MSP (Management Service Provider)",
    "Network Equipment Enterprise",
    "Non-management ISV",
    "Optical Networking",
    "Service Provider",
    "Small/Medium Enterprise",
    "Storage Equipment",
    "Storage Service Provider",
    "Systems Integrator",
    "Wireless Industry",
)
LEAD_STATUSES = (
    "Attempted to Contact",
    "Contact in Future",
    "Contacted",
    "Junk Lead",
    "Lost Lead",
    "Not Contacted",
    "Pre-Qualified",
    "Not Qualified",
)
RATINGS = ("Acquired", "Active", "Market Failed", "Project Cancelled", "Shut Down")
ACCOUNT_TYPES = (
    "Analyst",
    "Competitor",
    "Customer",
    "Distributor",
    "Integrator",
    "Investor",
    "Other",
    "Partner",
    "Press",
    "Prospect",
    "Reseller",
    "Supplier",
    "Vendor",
)
STAGES = (
    "Qualification",
    "Needs Analysis",
    "Value Proposition",
    "Id. Decision Makers",
    "Perception Analysis",
    "Proposal/Price Quote",
    "Negotiation/Review",
    "Closed Won",
    "Closed Lost",
    "Closed-Lost to Competition",
)


def _text(
    name: str, *, mandatory: bool = False, unique: bool = False, length: int | None = None
) -> Field:
    return Field(name, T.TEXT, mandatory=mandatory, unique=unique, length=length)


def _many(kind: FieldType, *names: str) -> list[Field]:
    return [Field(name, kind) for name in names]


def system_fields() -> list[Field]:
    """Fields every module has; the server sets all but ``Owner``."""
    return [
        Field("Owner", T.OWNERLOOKUP, system=True),
        Field("Created_Time", T.DATETIME, system=True),
        Field("Modified_Time", T.DATETIME, system=True),
        Field("Created_By", T.USERLOOKUP, system=True),
        Field("Modified_By", T.USERLOOKUP, system=True),
    ]


def _module(api_name: str, name_field: str, singular: str, fields: list[Field]) -> Module:
    return Module(
        api_name=api_name,
        id="",
        fields=tuple(fields + system_fields()),
        name_field=name_field,
        singular_label=singular,
        plural_label=api_name,
    )


def _leads() -> Module:
    return _module(
        "Leads",
        "Last_Name",
        "Lead",
        [
            _text("Last_Name", mandatory=True, length=80),
            _text("First_Name", length=40),
            _text("Company", mandatory=True),
            Field("Email", T.EMAIL, unique=True),
            *_many(T.PHONE, "Phone", "Mobile"),
            _text("Designation"),
            Field("Lead_Source", T.PICKLIST, picklist=LEAD_SOURCES),
            Field("Lead_Status", T.PICKLIST, picklist=LEAD_STATUSES),
            Field("Industry", T.PICKLIST, picklist=INDUSTRIES),
            Field("Annual_Revenue", T.CURRENCY),
            Field("No_of_Employees", T.INTEGER),
            Field("Rating", T.PICKLIST, picklist=RATINGS),
            Field("Website", T.WEBSITE),
            Field("Email_Opt_Out", T.BOOLEAN),
            *_many(T.TEXT, "Street", "City", "State", "Zip_Code", "Country"),
            Field("Description", T.TEXTAREA),
        ],
    )


def _accounts() -> Module:
    return _module(
        "Accounts",
        "Account_Name",
        "Account",
        [
            _text("Account_Name", mandatory=True, unique=True),
            _text("Account_Number"),
            Field("Phone", T.PHONE),
            Field("Website", T.WEBSITE),
            Field("Account_Type", T.PICKLIST, picklist=ACCOUNT_TYPES),
            Field("Industry", T.PICKLIST, picklist=INDUSTRIES),
            Field("Annual_Revenue", T.CURRENCY),
            Field("Employees", T.INTEGER),
            Field("Parent_Account", T.LOOKUP, lookup_module="Accounts"),
            *_many(
                T.TEXT,
                "Billing_Street",
                "Billing_City",
                "Billing_State",
                "Billing_Code",
                "Billing_Country",
            ),
            Field("Description", T.TEXTAREA),
        ],
    )


def _contacts() -> Module:
    return _module(
        "Contacts",
        "Last_Name",
        "Contact",
        [
            _text("Last_Name", mandatory=True, length=80),
            _text("First_Name", length=40),
            Field("Email", T.EMAIL, unique=True),
            *_many(T.PHONE, "Phone", "Mobile"),
            _text("Title"),
            _text("Department"),
            Field("Account_Name", T.LOOKUP, lookup_module="Accounts"),
            Field("Date_of_Birth", T.DATE),
            Field("Lead_Source", T.PICKLIST, picklist=LEAD_SOURCES),
            Field("Email_Opt_Out", T.BOOLEAN),
            *_many(
                T.TEXT,
                "Mailing_Street",
                "Mailing_City",
                "Mailing_State",
                "Mailing_Zip",
                "Mailing_Country",
            ),
            Field("Description", T.TEXTAREA),
        ],
    )


def _deals() -> Module:
    return _module(
        "Deals",
        "Deal_Name",
        "Deal",
        [
            _text("Deal_Name", mandatory=True, length=120),
            Field("Amount", T.CURRENCY),
            Field("Stage", T.PICKLIST, mandatory=True, picklist=STAGES),
            Field("Closing_Date", T.DATE, mandatory=True),
            Field("Account_Name", T.LOOKUP, lookup_module="Accounts"),
            Field("Contact_Name", T.LOOKUP, lookup_module="Contacts"),
            Field("Probability", T.INTEGER, min_value=0, max_value=100),
            Field("Type", T.PICKLIST, picklist=("None", "Existing Business", "New Business")),
            Field("Lead_Source", T.PICKLIST, picklist=LEAD_SOURCES),
            _text("Next_Step"),
            Field("Description", T.TEXTAREA),
        ],
    )


def _products() -> Module:
    return _module(
        "Products",
        "Product_Name",
        "Product",
        [
            _text("Product_Name", mandatory=True),
            _text("Product_Code", unique=True),
            Field("Unit_Price", T.CURRENCY),
            Field("Qty_in_Stock", T.DOUBLE),
            Field("Product_Active", T.BOOLEAN),
            Field(
                "Product_Category",
                T.PICKLIST,
                picklist=("Hardware", "Software", "CRM Applications"),
            ),
            _text("Manufacturer"),
            Field("Vendor_Name", T.LOOKUP, lookup_module="Vendors"),
            Field("Description", T.TEXTAREA),
        ],
    )


def _vendors() -> Module:
    return _module(
        "Vendors",
        "Vendor_Name",
        "Vendor",
        [
            _text("Vendor_Name", mandatory=True, unique=True),
            Field("Email", T.EMAIL),
            Field("Phone", T.PHONE),
            Field("Website", T.WEBSITE),
            _text("Category"),
            *_many(T.TEXT, "Street", "City", "State", "Zip_Code", "Country"),
            Field("Description", T.TEXTAREA),
        ],
    )


def standard_modules() -> list[Module]:
    """Fresh definitions (ids unset) in the order a new org creates them."""
    return [_leads(), _accounts(), _contacts(), _deals(), _products(), _vendors()]
