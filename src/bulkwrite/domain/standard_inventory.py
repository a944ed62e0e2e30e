"""The second table of standard modules (shared/spec/standard-modules.md): activities,
marketing, support and inventory, with the line-item modules of Quotes, Sales_Orders,
Purchase_Orders and Invoices."""

from __future__ import annotations

from bulkwrite.domain.modules import Field, FieldType, Module, ModuleKind
from bulkwrite.domain.standard_fields import (
    child_module,
    fields_of,
    picklist,
    standard_module,
    text_field,
)

T = FieldType

#: The modules a Task's ``What_Id`` may point at; the row's ``$se_module`` names which.
WHAT_ID_TARGETS = (
    "Accounts",
    "Deals",
    "Quotes",
    "Sales_Orders",
    "Purchase_Orders",
    "Invoices",
    "Campaigns",
    "Cases",
)
#: The column beside ``What_Id`` naming its target module (Zoho's ``$se_module``).
SE_MODULE = "$se_module"
#: Each inventory module and the API name of its line-item field (and module).
LINE_ITEMS = {
    "Quotes": "Quoted_Items",
    "Sales_Orders": "Ordered_Items",
    "Purchase_Orders": "Purchase_Items",
    "Invoices": "Invoiced_Items",
}
ORDER_STATUSES = ("Created", "Approved", "Delivered", "Cancelled")


def _lookup(name: str, target: str, *, mandatory: bool = False) -> Field:
    return Field(name, T.LOOKUP, mandatory=mandatory, lookup_module=target)


def _tasks() -> Module:
    return standard_module(
        "Tasks",
        "Subject",
        "Task",
        [
            text_field("Subject", mandatory=True),
            Field("Due_Date", T.DATE),
            picklist(
                "Status", "Not Started", "Deferred", "In Progress", "Completed", "Waiting for input"
            ),
            picklist("Priority", "High", "Highest", "Low", "Lowest", "Normal"),
            _lookup("Who_Id", "Contacts"),
            Field("What_Id", T.LOOKUP, lookup_modules=WHAT_ID_TARGETS),
            Field(SE_MODULE, T.PICKLIST, picklist=WHAT_ID_TARGETS),
            Field("Send_Notification_Email", T.BOOLEAN),
            Field("Description", T.TEXTAREA),
        ],
    )


def _campaigns() -> Module:
    types = (
        "Conference",
        "Webinar",
        "Trade Show",
        "Public Relations",
        "Partners",
        "Referral Program",
        "Advertisement",
        "Banner Ads",
        "Direct mail",
        "Email",
        "Telemarketing",
        "Others",
    )
    return standard_module(
        "Campaigns",
        "Campaign_Name",
        "Campaign",
        [
            text_field("Campaign_Name", mandatory=True, unique=True),
            picklist("Type", *types),
            picklist("Status", "Planning", "Active", "Inactive", "Complete"),
            *fields_of(T.DATE, "Start_Date", "End_Date"),
            *fields_of(T.CURRENCY, "Expected_Revenue", "Budgeted_Cost", "Actual_Cost"),
            *fields_of(T.INTEGER, "Expected_Response", "Num_sent"),
            Field("Description", T.TEXTAREA),
        ],
    )


def _cases() -> Module:
    return standard_module(
        "Cases",
        "Subject",
        "Case",
        [
            text_field("Subject", mandatory=True),
            picklist("Status", "New", "Escalated", "On Hold", "Closed", mandatory=True),
            picklist("Case_Origin", "Email", "Phone", "Web", mandatory=True),
            picklist("Priority", "High", "Medium", "Low"),
            picklist("Type", "Problem", "Feature Request", "Question"),
            _lookup("Account_Name", "Accounts"),
            _lookup("Related_To", "Contacts"),
            _lookup("Product_Name", "Products"),
            Field("Email", T.EMAIL),
            Field("Phone", T.PHONE),
            *fields_of(T.TEXTAREA, "Description", "Solution"),
        ],
    )


def _solutions() -> Module:
    return standard_module(
        "Solutions",
        "Solution_Title",
        "Solution",
        [
            text_field("Solution_Title", mandatory=True),
            picklist("Status", "Draft", "Reviewed", "Published", mandatory=True),
            _lookup("Product_Name", "Products"),
            *fields_of(T.TEXTAREA, "Question", "Answer"),
        ],
    )


def _price_books() -> Module:
    return standard_module(
        "Price_Books",
        "Price_Book_Name",
        "Price Book",
        [
            text_field("Price_Book_Name", mandatory=True, unique=True),
            Field("Active", T.BOOLEAN),
            picklist("Pricing_Model", "None", "Flat", "Differential"),
            Field("Description", T.TEXTAREA),
        ],
    )


def _totals(module: str) -> list[Field]:
    """A line-item field and the parent's read-only sums of its rows' Net_Total."""
    items = LINE_ITEMS[module]
    return [
        Field(items, T.SUBFORM, child_module=items),
        Field("Sub_Total", T.CURRENCY, read_only=True),
        Field("Grand_Total", T.CURRENCY, read_only=True),
    ]


def _quotes() -> Module:
    stages = ("Draft", "Negotiation", "Delivered", "On Hold", "Confirmed", "Closed Won")
    return standard_module(
        "Quotes",
        "Subject",
        "Quote",
        [
            text_field("Subject", mandatory=True),
            _lookup("Account_Name", "Accounts", mandatory=True),
            _lookup("Deal_Name", "Deals"),
            _lookup("Contact_Name", "Contacts"),
            picklist("Quote_Stage", *stages, "Closed Lost"),
            Field("Valid_Till", T.DATE),
            picklist("Carrier", "FedEX", "UPS", "USPS", "DHL", "BlueDart"),
            *fields_of(T.TEXTAREA, "Terms_and_Conditions", "Description"),
            *fields_of(
                T.TEXT,
                "Billing_Street",
                "Billing_City",
                "Billing_State",
                "Billing_Code",
                "Billing_Country",
            ),
            *_totals("Quotes"),
        ],
    )


def _sales_orders() -> Module:
    return standard_module(
        "Sales_Orders",
        "Subject",
        "Sales Order",
        [
            text_field("Subject", mandatory=True),
            _lookup("Account_Name", "Accounts", mandatory=True),
            _lookup("Quote_Name", "Quotes"),
            _lookup("Deal_Name", "Deals"),
            _lookup("Contact_Name", "Contacts"),
            picklist("Status", *ORDER_STATUSES),
            Field("Due_Date", T.DATE),
            Field("Description", T.TEXTAREA),
            *_totals("Sales_Orders"),
        ],
    )


def _purchase_orders() -> Module:
    return standard_module(
        "Purchase_Orders",
        "Subject",
        "Purchase Order",
        [
            text_field("Subject", mandatory=True),
            _lookup("Vendor_Name", "Vendors", mandatory=True),
            _lookup("Contact_Name", "Contacts"),
            picklist("Status", *ORDER_STATUSES),
            *fields_of(T.DATE, "PO_Date", "Due_Date"),
            Field("Description", T.TEXTAREA),
            *_totals("Purchase_Orders"),
        ],
    )


def _invoices() -> Module:
    return standard_module(
        "Invoices",
        "Subject",
        "Invoice",
        [
            text_field("Subject", mandatory=True),
            _lookup("Account_Name", "Accounts", mandatory=True),
            _lookup("Sales_Order", "Sales_Orders"),
            _lookup("Contact_Name", "Contacts"),
            picklist("Status", *ORDER_STATUSES),
            *fields_of(T.DATE, "Invoice_Date", "Due_Date"),
            Field("Description", T.TEXTAREA),
            *_totals("Invoices"),
        ],
    )


def line_item_module(parent: str) -> Module:
    """The line items of ``parent`` (an inventory module): one row per product; Total and
    Net_Total are computed when a row is written."""
    return child_module(
        LINE_ITEMS[parent],
        ModuleKind.SUBFORM,
        parent,
        [
            _lookup("Parent_Id", parent),
            _lookup("Product_Name", "Products", mandatory=True),
            Field("Quantity", T.DOUBLE, mandatory=True, positive=True),
            Field("List_Price", T.CURRENCY),
            Field("Discount", T.CURRENCY),
            Field("Tax", T.CURRENCY),
            _lookup("Price_Book_Name", "Price_Books"),
            Field("Description", T.TEXTAREA),
            Field("Total", T.CURRENCY, read_only=True),
            Field("Net_Total", T.CURRENCY, read_only=True),
        ],
    )


def inventory_modules() -> list[Module]:
    """The second table's modules, each inventory module followed by its line items, in the
    order a new org creates them (lookup targets first)."""
    return [
        _campaigns(),
        _cases(),
        _solutions(),
        _price_books(),
        _quotes(),
        line_item_module("Quotes"),
        _sales_orders(),
        line_item_module("Sales_Orders"),
        _purchase_orders(),
        line_item_module("Purchase_Orders"),
        _invoices(),
        line_item_module("Invoices"),
        _tasks(),
    ]
