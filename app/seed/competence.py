"""The demo company's competence model: departments, skills grouped in areas, and roles.

Written for the demo; not taken from any external framework. Every skill a role requires
belongs to exactly one skill area, and the module catalogue is built from the same skills.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Skill:
    """A skill, the area it belongs to, and narrower subjects modules can be about."""

    name: str
    area: str
    subtopics: tuple[str, ...]


@dataclass(frozen=True)
class RoleTemplate:
    """A role of the demo company: (skill, required level 1-5, importance 1-5) triples."""

    code: str
    title: str
    department: str
    skills: tuple[tuple[str, int, int], ...]


@dataclass(frozen=True)
class Department:
    """A department: its share of the staff, the role its managers hold, its staff roles."""

    name: str
    share: float
    manager_role: str
    staff_roles: tuple[tuple[str, float], ...]


def _skills(area: str, entries: dict[str, tuple[str, ...]]) -> list[Skill]:
    return [Skill(name, area, subtopics) for name, subtopics in entries.items()]


SKILLS: tuple[Skill, ...] = tuple(
    _skills("software engineering", {
        "python": ("type hints", "packaging", "async code", "readable functions"),
        "software testing": ("unit tests", "test doubles", "property-based tests", "flaky tests"),
        "system design": ("service boundaries", "caching", "data consistency", "capacity limits"),
        "code review": ("review checklists", "kind review comments", "small pull requests"),
        "api design": ("resource naming", "versioning", "error responses", "pagination"),
    })
    + _skills("cloud and operations", {
        "cloud infrastructure": ("networking basics", "containers", "infrastructure as code"),
        "observability": ("structured logs", "metrics", "tracing", "alert design"),
        "incident response": ("on-call", "blameless reviews", "runbooks"),
        "security practices": ("secrets handling", "threat modelling", "access control"),
        "automation scripting": ("shell scripts", "scheduled jobs", "small tools"),
    })
    + _skills("data", {
        "sql": ("joins", "window functions", "query plans", "clean schemas"),
        "statistics": ("distributions", "confidence intervals", "regression", "sampling"),
        "data visualisation": ("chart choice", "dashboards", "colour and labels"),
        "machine learning": ("model evaluation", "feature engineering", "overfitting"),
        "data modelling": ("dimensional models", "naming conventions", "slowly changing data"),
        "experiment design": ("a/b tests", "sample size", "guardrail metrics"),
    })
    + _skills("sales", {
        "prospecting": ("ideal customer profiles", "cold outreach", "qualification"),
        "negotiation": ("anchoring", "trade-offs", "walk-away points", "closing"),
        "pipeline management": ("stage definitions", "deal reviews", "pipeline hygiene"),
        "product demonstration": ("discovery questions", "demo storytelling", "objections"),
        "account planning": ("stakeholder maps", "expansion plans", "renewals"),
    })
    + _skills("marketing", {
        "content writing": ("headlines", "editing", "tone of voice", "long-form articles"),
        "seo": ("keyword research", "site structure", "technical seo"),
        "campaign analytics": ("attribution", "funnel metrics", "budget pacing"),
        "brand positioning": ("messaging", "competitor analysis", "value propositions"),
        "social media": ("community building", "content calendars", "paid social"),
    })
    + _skills("customer", {
        "customer onboarding": ("kick-off calls", "success plans", "first value"),
        "troubleshooting": ("reproducing issues", "log reading", "root causes"),
        "customer empathy": ("active listening", "difficult conversations", "expectations"),
        "churn prevention": ("health scores", "early warning signs", "save plays"),
    })
    + _skills("finance", {
        "financial modelling": ("three-statement models", "scenarios", "unit economics"),
        "budgeting": ("zero-based budgets", "variance analysis", "cost centres"),
        "accounting standards": ("revenue recognition", "accruals", "month-end close"),
        "spreadsheet analysis": ("lookups", "pivot tables", "clean workbooks"),
        "forecasting": ("driver-based forecasts", "rolling forecasts", "forecast accuracy"),
    })
    + _skills("people", {
        "recruiting": ("structured interviews", "job descriptions", "sourcing"),
        "employment law": ("contracts", "working time", "data protection at work"),
        "compensation design": ("salary bands", "pay equity", "benefits"),
        "performance management": ("goal setting", "reviews", "development plans"),
        "onboarding design": ("first weeks", "buddy programmes", "onboarding checklists"),
    })
    + _skills("operations", {
        "process improvement": ("process mapping", "lean basics", "measuring waste"),
        "project management": ("planning", "risk registers", "status reporting", "scope"),
        "vendor management": ("vendor selection", "contracts and slas", "vendor reviews"),
        "supply planning": ("demand signals", "inventory levels", "lead times"),
    })
    + _skills("leadership", {
        "people leadership": ("one-to-ones", "delegation", "team health", "hiring well"),
        "coaching": ("powerful questions", "growth conversations", "mentoring"),
        "strategic planning": ("goals and key results", "prioritisation", "long-range plans"),
        "giving feedback": ("specific praise", "hard feedback", "feedback culture"),
        "decision making": ("reversible decisions", "decision records", "bias awareness"),
    })
    # The AI competence model of HR-led competence building (app/competence/model.py):
    # basic, intermediate and expert items, taught by the demo catalogue like any skill.
    + _skills("ai competence", {
        "ai principles": ("how language models work", "where ai fails", "ai vocabulary"),
        "ai tools of one's field": ("approved tools", "tool choice", "licences and costs"),
        "simple prompting": ("task and context", "answer formats", "typical prompt mistakes"),
        "critical view of ai output": ("fact checking", "invented sources", "bias in output"),
        "advanced prompting": ("few-shot examples", "prompt chaining", "self-checks"),
        "ai in work processes": ("emails and minutes", "process hand-offs", "automation"),
        "ai standardisation and quality": ("prompt templates", "review checklists",
                                           "quality criteria"),
        "ai strategy": ("use case portfolios", "ai roadmaps", "build or buy"),
        "ai roi measurement": ("baselines", "time saved", "use case business cases"),
        "ai legal and ethics": ("personal data in ai tools", "copyright", "ai act basics"),
    })
    + _skills("communication", {
        "stakeholder management": ("expectation setting", "escalations", "alignment"),
        "presentation skills": ("slide structure", "speaking with confidence", "q&a"),
        "written communication": ("plain language", "status updates", "documentation"),
        "facilitation": ("workshops", "remote meetings", "retrospectives"),
    })
)  # fmt: skip

SKILL_BY_NAME: dict[str, Skill] = {skill.name: skill for skill in SKILLS}

ROLES: tuple[RoleTemplate, ...] = (
    RoleTemplate("managing-director", "Managing Director", "Management", (
        ("strategic planning", 5, 5), ("decision making", 5, 5), ("people leadership", 4, 5),
        ("stakeholder management", 4, 4), ("financial modelling", 2, 3),
        ("presentation skills", 4, 3),
    )),
    RoleTemplate("engineering-manager", "Engineering Manager", "Engineering", (
        ("people leadership", 4, 5), ("coaching", 3, 4), ("system design", 4, 4),
        ("project management", 3, 3), ("stakeholder management", 3, 4), ("giving feedback", 3, 3),
    )),
    RoleTemplate("software-engineer", "Software Engineer", "Engineering", (
        ("python", 3, 5), ("software testing", 3, 4), ("code review", 3, 3), ("api design", 3, 4),
        ("system design", 2, 3), ("written communication", 2, 2),
        ("advanced prompting", 3, 3), ("ai in work processes", 3, 2),
    )),
    RoleTemplate("site-reliability-engineer", "Site Reliability Engineer", "Engineering", (
        ("cloud infrastructure", 4, 5), ("observability", 4, 5), ("incident response", 4, 4),
        ("automation scripting", 3, 4), ("security practices", 3, 4), ("python", 2, 2),
    )),
    RoleTemplate("data-team-lead", "Data Team Lead", "Data", (
        ("people leadership", 3, 5), ("machine learning", 3, 3), ("stakeholder management", 4, 4),
        ("experiment design", 3, 3), ("coaching", 3, 3),
    )),
    RoleTemplate("data-analyst", "Data Analyst", "Data", (
        ("sql", 4, 5), ("data visualisation", 4, 5), ("statistics", 3, 4),
        ("spreadsheet analysis", 3, 3), ("presentation skills", 3, 3), ("data modelling", 2, 2),
    )),
    RoleTemplate("data-scientist", "Data Scientist", "Data", (
        ("python", 3, 4), ("statistics", 4, 5), ("machine learning", 4, 5),
        ("experiment design", 3, 4), ("sql", 3, 3), ("written communication", 2, 2),
    )),
    RoleTemplate("sales-manager", "Sales Manager", "Sales", (
        ("people leadership", 3, 5), ("pipeline management", 4, 5), ("coaching", 3, 4),
        ("forecasting", 3, 3), ("negotiation", 4, 3),
    )),
    RoleTemplate("account-executive", "Account Executive", "Sales", (
        ("negotiation", 4, 5), ("product demonstration", 4, 4), ("account planning", 3, 4),
        ("pipeline management", 3, 3), ("presentation skills", 3, 3),
        ("stakeholder management", 3, 3),
    )),
    RoleTemplate("sales-development-representative", "Sales Development Representative",
                 "Sales", (
        ("prospecting", 3, 5), ("written communication", 3, 4), ("product demonstration", 2, 3),
        ("customer empathy", 3, 3),
    )),
    RoleTemplate("marketing-manager", "Marketing Manager", "Marketing", (
        ("brand positioning", 4, 5), ("people leadership", 3, 4), ("campaign analytics", 3, 4),
        ("budgeting", 3, 3), ("stakeholder management", 3, 3),
    )),
    RoleTemplate("content-marketer", "Content Marketer", "Marketing", (
        ("content writing", 4, 5), ("seo", 3, 4), ("social media", 3, 3),
        ("brand positioning", 2, 3), ("simple prompting", 3, 3),
        ("ai standardisation and quality", 2, 2),
    )),
    RoleTemplate("performance-marketer", "Performance Marketer", "Marketing", (
        ("campaign analytics", 4, 5), ("seo", 3, 4), ("experiment design", 3, 4), ("sql", 2, 3),
        ("data visualisation", 2, 2),
    )),
    RoleTemplate("customer-success-lead", "Customer Success Lead", "Customer Success", (
        ("people leadership", 3, 5), ("churn prevention", 4, 5), ("stakeholder management", 3, 4),
        ("coaching", 3, 3),
    )),
    RoleTemplate("customer-success-specialist", "Customer Success Specialist",
                 "Customer Success", (
        ("customer onboarding", 4, 5), ("customer empathy", 4, 4), ("churn prevention", 3, 4),
        ("presentation skills", 2, 3), ("written communication", 3, 3),
    )),
    RoleTemplate("support-engineer", "Support Engineer", "Customer Success", (
        ("troubleshooting", 4, 5), ("customer empathy", 3, 4), ("written communication", 3, 4),
        ("automation scripting", 2, 2), ("sql", 2, 2),
    )),
    RoleTemplate("finance-manager", "Finance Manager", "Finance", (
        ("budgeting", 4, 5), ("forecasting", 4, 5), ("people leadership", 3, 4),
        ("accounting standards", 4, 4), ("stakeholder management", 3, 3),
    )),
    RoleTemplate("financial-analyst", "Financial Analyst", "Finance", (
        ("financial modelling", 4, 5), ("spreadsheet analysis", 4, 5), ("forecasting", 3, 4),
        ("presentation skills", 2, 3), ("sql", 2, 2),
    )),
    RoleTemplate("accountant", "Accountant", "Finance", (
        ("accounting standards", 4, 5), ("spreadsheet analysis", 3, 4), ("budgeting", 2, 3),
        ("written communication", 2, 2),
    )),
    RoleTemplate("people-lead", "People Lead", "HR", (
        ("people leadership", 3, 5), ("employment law", 3, 4), ("performance management", 4, 5),
        ("coaching", 3, 4), ("facilitation", 3, 3), ("ai strategy", 3, 3),
        ("ai legal and ethics", 3, 3),
    )),
    RoleTemplate("hr-business-partner", "HR Business Partner", "HR", (
        ("performance management", 3, 5), ("employment law", 3, 4), ("compensation design", 3, 4),
        ("stakeholder management", 3, 4), ("giving feedback", 3, 3),
        ("ai principles", 2, 3), ("simple prompting", 2, 3), ("ai roi measurement", 2, 2),
    )),
    RoleTemplate("talent-acquisition-specialist", "Talent Acquisition Specialist", "HR", (
        ("recruiting", 4, 5), ("onboarding design", 3, 4), ("written communication", 3, 3),
        ("negotiation", 2, 3), ("critical view of ai output", 2, 3),
        ("ai tools of one's field", 2, 2),
    )),
    RoleTemplate("operations-manager", "Operations Manager", "Operations", (
        ("process improvement", 4, 5), ("people leadership", 3, 4), ("vendor management", 3, 4),
        ("budgeting", 3, 3), ("decision making", 3, 3),
    )),
    RoleTemplate("project-manager", "Project Manager", "Operations", (
        ("project management", 4, 5), ("stakeholder management", 3, 4), ("facilitation", 3, 4),
        ("written communication", 3, 3), ("decision making", 2, 3),
    )),
    RoleTemplate("operations-analyst", "Operations Analyst", "Operations", (
        ("process improvement", 3, 5), ("supply planning", 3, 4), ("spreadsheet analysis", 3, 4),
        ("sql", 2, 3),
    )),
)  # fmt: skip

ROLE_BY_CODE: dict[str, RoleTemplate] = {role.code: role for role in ROLES}

#: The one person at the top of the hierarchy; every department head reports to them.
TOP_ROLE = "managing-director"
TOP_DEPARTMENT = "Management"

DEPARTMENTS: tuple[Department, ...] = (
    Department("Engineering", 0.26, "engineering-manager",
               (("software-engineer", 0.75), ("site-reliability-engineer", 0.25))),
    Department("Sales", 0.16, "sales-manager",
               (("account-executive", 0.55), ("sales-development-representative", 0.45))),
    Department("Customer Success", 0.14, "customer-success-lead",
               (("customer-success-specialist", 0.6), ("support-engineer", 0.4))),
    Department("Operations", 0.11, "operations-manager",
               (("project-manager", 0.55), ("operations-analyst", 0.45))),
    Department("Data", 0.10, "data-team-lead",
               (("data-analyst", 0.55), ("data-scientist", 0.45))),
    Department("Marketing", 0.09, "marketing-manager",
               (("content-marketer", 0.5), ("performance-marketer", 0.5))),
    Department("Finance", 0.08, "finance-manager",
               (("financial-analyst", 0.5), ("accountant", 0.5))),
    Department("HR", 0.06, "people-lead",
               (("hr-business-partner", 0.5), ("talent-acquisition-specialist", 0.5))),
)  # fmt: skip
