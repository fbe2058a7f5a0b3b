"""Flask-AppBuilder's own messages that Casusregie translates itself.

Flask-AppBuilder's Dutch catalogue misses some of these and words others awkwardly
("Gebruikers Tonen"). Casusregie's catalogue is loaded after Flask-AppBuilder's, so a
message listed here, with its Dutch in ``translations/incoming/zz_i18n.tsv``, replaces
Flask-AppBuilder's wording. Listing the messages here keeps them in the catalogue when
``make translations`` extracts Casusregie's sources. Nothing imports this module.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

# Lists, forms, buttons and confirmations
LISTS_FORMS_BUTTONS_AND_CONFIRMATIONS = (
    _l("Search"),
    _l("Back"),
    _l("Save"),
    _l("Actions"),
    _l("Page size"),
    _l("Order by"),
    _l("Record Count"),
    _l("Add a new record"),
    _l("Add"),
    _l("Edit record"),
    _l("Edit"),
    _l("Show record"),
    _l("Show"),
    _l("Delete record"),
    _l("Delete"),
    _l("Are you sure you want to delete this item?"),
    _l("User confirmation needed"),
    _l("Detail"),
    _l("No records found"),
    _l("Add Filter"),
    _l("Select Value"),
)

# Flash messages and validation
FLASH_MESSAGES_AND_VALIDATION = (
    _l("Added Row"),
    _l("Changed Row"),
    _l("Deleted Row"),
    _l("Associated data exists, please delete them first"),
    _l("Integrity error, probably unique constraint"),
    _l("Database Error"),
    _l("Access is Denied"),
    _l("Not a valid choice"),
    _l("This field is required."),
    _l("Not a valid date value"),
    _l("Invalid file extension"),
    _l("Already exists."),
    _l(
        "Must have at least two capital letters, one special character, two digits, "
        "three lower case letters and a minimal length of 10."
    ),
    _l("Passwords must match"),
)

# Search filters
SEARCH_FILTERS = (
    _l("Contains"),
    _l("Contains (insensitive)"),
    _l("Not Contains"),
    _l("Equal to"),
    _l("Not Equal to"),
    _l("Greater than"),
    _l("Smaller than"),
    _l("Start with"),
    _l("Starts with"),
    _l("Not Starts with"),
    _l("Ends with"),
    _l("Not Ends with"),
    _l("In"),
    _l("Not In"),
    _l("Relation"),
    _l("No Relation"),
    _l("Relation as Many"),
)

# Login, profile and password
LOGIN_PROFILE_AND_PASSWORD = (
    _l("Invalid login. Please try again."),
    _l("Sign In"),
    _l("Profile"),
    _l("Logout"),
    _l("Login"),
    _l("Welcome"),
    _l("Enter your login and password below"),
    _l("Username"),
    _l("If you are not already a user, please register"),
    _l("Register"),
    _l("Sign In with "),
    _l("Sign in using:"),
    _l("Your user is activated you can now proceed to login"),
    _l("Account activation"),
    _l("Registration sent to your email"),
    _l("Not possible to register you at the moment, try again later"),
    _l("Registration not found"),
    _l("Fill out the registration form"),
    _l("Your user information"),
    _l("Reset my password"),
    _l("Edit User Information"),
    _l("User information changed"),
    _l("Reset Password Form"),
    _l("Password Changed"),
    _l("Reset Password"),
)

# User and role administration
USER_AND_ROLE_ADMINISTRATION = (
    _l("Either select a role or a group"),
    _l("User Name"),
    _l("Password"),
    _l("First Name"),
    _l("Write the user first name or names"),
    _l("Last Name"),
    _l("Write the user last name"),
    _l("Please use a good password policy, this application does not check this for you"),
    _l("Confirm Password"),
    _l("Please rewrite the password to confirm"),
    _l("Email"),
    _l("List Users"),
    _l("Security"),
    _l("List Roles"),
    _l("List Groups"),
    _l("User's Statistics"),
    _l("User Registrations"),
    _l("Base Permissions"),
    _l("Views/Menus"),
    _l("Permission on Views/Menus"),
    _l("List Base Permissions"),
    _l("Show Base Permission"),
    _l("Add Base Permission"),
    _l("Edit Base Permission"),
    _l("Name"),
    _l("List View Menus"),
    _l("Show View Menu"),
    _l("Add View Menu"),
    _l("Edit View Menu"),
    _l("List Permissions on Views/Menus"),
    _l("Show Permission on Views/Menus"),
    _l("Add Permission on Views/Menus"),
    _l("Edit Permission on Views/Menus"),
    _l("Permission"),
    _l("View/Menu"),
    _l("Show User"),
    _l("Add User"),
    _l("Edit User"),
    _l("Full Name"),
    _l("Is Active?"),
    _l("Role"),
    _l("Groups"),
    _l("Last login"),
    _l("Login count"),
    _l("Failed login count"),
    _l("Created on"),
    _l("Created by"),
    _l("Changed on"),
    _l("Changed by"),
    _l("Username valid for authentication on DB or LDAP, unused for OID auth"),
    _l("The user's password for authentication"),
    _l("It's not a good policy to remove a user, just make it inactive"),
    _l("The user's email, this will also be used for OID auth"),
    _l("Please rewrite the user's password to confirm"),
    _l("User info"),
    _l("Personal Info"),
    _l("Audit Info"),
    _l("User Statistics"),
    _l("Show Role"),
    _l("Add Role"),
    _l("Edit Role"),
    _l("Permissions"),
    _l("Copy Role"),
    _l("Copy the selected roles?"),
    _l("User(s) exists in the role, cannot delete"),
    _l("Show Group"),
    _l("Add Group"),
    _l("Edit Group"),
    _l("User(s) exists in the group, cannot delete"),
    _l("List of Registration Requests"),
    _l("Show Registration"),
)

# Charts
CHARTS = (
    _l("Group by"),
    _l("Count of"),
    _l("Sum of"),
    _l("Avg. of"),
    _l("Group by fields"),
)

# The confirmation dialog's buttons (Flask-AppBuilder writes them in English only;
# ``app/templates/appbuilder/general/confirm.html`` translates them)
DIALOG = (
    _l("Cancel"),
    _l("OK"),
)

# WTForms' validation messages, worded like Flask-AppBuilder's (``app.i18n`` puts this
# catalogue in front of WTForms' own)
WTFORMS = (
    _l("Not a valid choice."),
    _l("Invalid email address."),
    _l("Invalid input."),
    _l("Not a valid date value."),
    _l("Not a valid datetime value."),
    _l("Not a valid time value."),
    _l("Not a valid integer value."),
    _l("Not a valid decimal value."),
    _l("Not a valid float value."),
    _l("Field must be equal to %(other_name)s."),
    _l("Field must be between %(min)d and %(max)d characters long."),
    _l("Number must be between %(min)s and %(max)s."),
    _l("Number must be at least %(min)s."),
    _l("Number must be at most %(max)s."),
)
