"""The modules and fields a new org starts with (shared/spec/standard-modules.md)."""

from __future__ import annotations

from bulkwrite.domain.modules import Field, FieldType, Module
from bulkwrite.domain.standard_fields import fields_of, standard_module, system_fields, text_field
from bulkwrite.domain.standard_inventory import inventory_modules

__all__ = ["standard_modules", "system_fields"]

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


def _leads() -> Module:
    return standard_module(
        "Leads",
        "Last_Name",
        "Lead",
        [
            text_field("Last_Name", mandatory=True, length=80),
            text_field("First_Name", length=40),
            text_field("Company", mandatory=True),
            Field("Email", T.EMAIL, unique=True),
            *fields_of(T.PHONE, "Phone", "Mobile"),
            text_field("Designation"),
            Field("Lead_Source", T.PICKLIST, picklist=LEAD_SOURCES),
            Field("Lead_Status", T.PICKLIST, picklist=LEAD_STATUSES),
            Field("Industry", T.PICKLIST, picklist=INDUSTRIES),
            Field("Annual_Revenue", T.CURRENCY),
            Field("No_of_Employees", T.INTEGER),
            Field("Rating", T.PICKLIST, picklist=RATINGS),
            Field("Website", T.WEBSITE),
            Field("Email_Opt_Out", T.BOOLEAN),
            *fields_of(T.TEXT, "Street", "City", "State", "Zip_Code", "Country"),
            Field("Description", T.TEXTAREA),
        ],
    )


def _accounts() -> Module:
    return standard_module(
        "Accounts",
        "Account_Name",
        "Account",
        [
            text_field("Account_Name", mandatory=True, unique=True),
            text_field("Account_Number"),
            Field("Phone", T.PHONE),
            Field("Website", T.WEBSITE),
            Field("Account_Type", T.PICKLIST, picklist=ACCOUNT_TYPES),
            Field("Industry", T.PICKLIST, picklist=INDUSTRIES),
            Field("Annual_Revenue", T.CURRENCY),
            Field("Employees", T.INTEGER),
            Field("Parent_Account", T.LOOKUP, lookup_module="Accounts"),
            *fields_of(
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
    return standard_module(
        "Contacts",
        "Last_Name",
        "Contact",
        [
            text_field("Last_Name", mandatory=True, length=80),
            text_field("First_Name", length=40),
            Field("Email", T.EMAIL, unique=True),
            *fields_of(T.PHONE, "Phone", "Mobile"),
            text_field("Title"),
            text_field("Department"),
            Field("Account_Name", T.LOOKUP, lookup_module="Accounts"),
            Field("Date_of_Birth", T.DATE),
            Field("Lead_Source", T.PICKLIST, picklist=LEAD_SOURCES),
            Field("Email_Opt_Out", T.BOOLEAN),
            *fields_of(
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
    return standard_module(
        "Deals",
        "Deal_Name",
        "Deal",
        [
            text_field("Deal_Name", mandatory=True, length=120),
            Field("Amount", T.CURRENCY),
            Field("Stage", T.PICKLIST, mandatory=True, picklist=STAGES),
            Field("Closing_Date", T.DATE, mandatory=True),
            Field("Account_Name", T.LOOKUP, lookup_module="Accounts"),
            Field("Contact_Name", T.LOOKUP, lookup_module="Contacts"),
            Field("Probability", T.INTEGER, min_value=0, max_value=100),
            Field("Type", T.PICKLIST, picklist=("None", "Existing Business", "New Business")),
            Field("Lead_Source", T.PICKLIST, picklist=LEAD_SOURCES),
            text_field("Next_Step"),
            Field("Description", T.TEXTAREA),
        ],
    )


def _products() -> Module:
    return standard_module(
        "Products",
        "Product_Name",
        "Product",
        [
            text_field("Product_Name", mandatory=True),
            text_field("Product_Code", unique=True),
            Field("Unit_Price", T.CURRENCY),
            Field("Qty_in_Stock", T.DOUBLE),
            Field("Product_Active", T.BOOLEAN),
            Field(
                "Product_Category",
                T.PICKLIST,
                picklist=("Hardware", "Software", "CRM Applications"),
            ),
            text_field("Manufacturer"),
            Field("Vendor_Name", T.LOOKUP, lookup_module="Vendors"),
            Field("Description", T.TEXTAREA),
        ],
    )


def _vendors() -> Module:
    return standard_module(
        "Vendors",
        "Vendor_Name",
        "Vendor",
        [
            text_field("Vendor_Name", mandatory=True, unique=True),
            Field("Email", T.EMAIL),
            Field("Phone", T.PHONE),
            Field("Website", T.WEBSITE),
            text_field("Category"),
            *fields_of(T.TEXT, "Street", "City", "State", "Zip_Code", "Country"),
            Field("Description", T.TEXTAREA),
        ],
    )


def standard_modules() -> list[Module]:
    """Fresh definitions (ids unset) in the order a new org creates them."""
    first = [_leads(), _accounts(), _contacts(), _deals(), _products(), _vendors()]
    return first + inventory_modules()
