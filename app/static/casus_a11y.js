/* Casusregie: keyboard and screen-reader support for Flask-AppBuilder's widgets.
   - Select2 boxes (Flask-AppBuilder's and app/static/casus_lookup.js's) are named by
     their field's label, their multiple-choice lists hold only list items, and the
     search box gets the focus when one opens, so typing searches.
   - The case page's tabs follow the ARIA tab pattern: the selected tab is announced,
     arrow keys move between tabs.
   - A form returned with errors puts the focus on the first field in error, whose
     message is tied to it (aria-describedby, aria-invalid).
   - Date fields say which format to type; date-and-time fields keep what is typed.
   The texts come from this script tag's data attributes, in the user's language. */
(function ($) {
    "use strict";
    if (!$) { return; }
    var config = document.getElementById("casus-a11y");
    var uid = 0;

    if ($.fn.select2 && $.fn.select2.defaults) {
        // Select2's clear button is titled in English unless told otherwise; the
        // selects Flask-AppBuilder starts after this script take the user's words.
        $.fn.select2.defaults.set("language", {
            removeAllItems: function () { return config.getAttribute("data-remove-all"); }
        });
    }

    function labelOf(select) {
        var label = select.id && document.querySelector("label[for='" + select.id + "']");
        if (!label) { return null; }
        if (!label.id) { label.id = "casus-label-" + (++uid); }
        return label;
    }

    function nameSelect2(select) {
        // Select2 4.0 names its box by the chosen value only, and marks that value as an
        // unnamed read-only textbox: name the box by the label and the value instead.
        var container = select.nextElementSibling;
        if (!container || !container.classList.contains("select2-container")) { return; }
        var label = labelOf(select);
        var name = label ? label.textContent.replace(/\s*\*\s*$/, "").trim() : "";
        var box = container.querySelector(".select2-selection");
        var rendered = container.querySelector(".select2-selection__rendered");
        if (box && label && rendered) {
            if (!rendered.id) { rendered.id = "casus-rendered-" + (++uid); }
            box.setAttribute("aria-labelledby", label.id + " " + rendered.id);
        }
        if (rendered && rendered.getAttribute("role") === "textbox") {
            rendered.removeAttribute("role");
            rendered.removeAttribute("aria-readonly");
        }
        container.querySelectorAll(".select2-search__field").forEach(function (field) {
            field.setAttribute("aria-label", name || config.getAttribute("data-search-label"));
        });
        container.querySelectorAll("ul.select2-selection__rendered > :not(li)").forEach(
            function (stray) { stray.parentNode.parentNode.appendChild(stray); });
        if (select.getAttribute("aria-describedby") && box) {
            box.setAttribute("aria-describedby", select.getAttribute("aria-describedby"));
        }
        if (select.getAttribute("aria-invalid") && box) {
            box.setAttribute("aria-invalid", "true");
        }
    }

    function nameDropdownSearch() {
        // The search box of an open single-choice Select2 lives at the end of the page.
        document.querySelectorAll(".select2-dropdown .select2-search__field").forEach(
            function (field) {
                if (!field.getAttribute("aria-label")) {
                    field.setAttribute("aria-label", config.getAttribute("data-search-label"));
                }
            });
    }

    function fixSelects() {
        document.querySelectorAll("select.select2-hidden-accessible").forEach(nameSelect2);
        nameDropdownSearch();
    }

    function setUpTabs() {
        document.querySelectorAll("[role=tablist]").forEach(function (list) {
            var tabs = Array.prototype.slice.call(list.querySelectorAll("[role=tab]"));
            tabs.forEach(function (tab) {
                tab.setAttribute("tabindex", tab.getAttribute("aria-selected") === "true" ? "0" : "-1");
            });
            $(tabs).on("shown.bs.tab", function (event) {
                tabs.forEach(function (tab) {
                    var on = tab === event.target;
                    tab.setAttribute("aria-selected", on ? "true" : "false");
                    tab.setAttribute("tabindex", on ? "0" : "-1");
                });
            });
            list.addEventListener("keydown", function (event) {
                var index = tabs.indexOf(document.activeElement);
                var step = {ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1}[event.key];
                if (index < 0) { return; }
                var next = event.key === "Home" ? 0 : event.key === "End" ? tabs.length - 1
                    : step ? (index + step + tabs.length) % tabs.length : -1;
                if (next < 0) { return; }
                event.preventDefault();
                tabs[next].focus();
                $(tabs[next]).tab("show");
            });
        });
    }

    function tieErrors() {
        // Flask-AppBuilder renders a field's errors in an alert after the field.
        var first = null;
        document.querySelectorAll(
            "form td .alert-danger, form .form-group .alert-danger, form .casus-field-error").forEach(
            function (message) {
                var cell = message.closest("td, .form-group, fieldset");
                var field = cell && cell.querySelector("input:not([type=hidden]), select, textarea");
                if (!field) { return; }
                if (!message.id) { message.id = "casus-error-" + (++uid); }
                var described = (field.getAttribute("aria-describedby") || "").split(" ");
                if (described.indexOf(message.id) < 0) { described.push(message.id); }
                field.setAttribute("aria-describedby", described.join(" ").trim());
                field.setAttribute("aria-invalid", "true");
                first = first || field;
            });
        return first;
    }

    function tieHelp() {
        // A field's description (Flask-AppBuilder's help-block) is read with the field.
        document.querySelectorAll("form td > .help-block").forEach(function (help) {
            var field = help.parentNode.querySelector("input:not([type=hidden]), select, textarea");
            if (!field || !help.textContent.trim()) { return; }
            if (!help.id) { help.id = "casus-help-" + (++uid); }
            var described = field.getAttribute("aria-describedby");
            field.setAttribute("aria-describedby", (described ? described + " " : "") + help.id);
        });
    }

    function focusFirstError(field) {
        if (!field) { return; }
        var container = field.nextElementSibling;
        var box = container && container.classList.contains("select2-container")
            && container.querySelector(".select2-selection");
        (box || field).focus();
        // A date field opens its calendar on focus, which would cover the message.
        if ($.fn.datepicker) { $(field).closest(".appbuilder_date, .appbuilder_datetime")
            .add(field).datepicker("hide"); }
    }

    function describeDates() {
        var hint = config.getAttribute("data-date-hint");
        if (!hint) { return; }
        document.querySelectorAll(".appbuilder_date input, input.appbuilder_date").forEach(
            function (input) {
                if (input.getAttribute("data-casus-hint")) { return; }
                input.setAttribute("data-casus-hint", "1");
                var note = document.createElement("span");
                note.className = "help-block casus-date-hint";
                note.id = "casus-date-hint-" + (++uid);
                note.textContent = hint;
                var group = input.closest(".input-group") || input;
                group.parentNode.insertBefore(note, group.nextSibling);
                var described = input.getAttribute("aria-describedby");
                input.setAttribute("aria-describedby", (described ? described + " " : "") + note.id);
            });
    }

    function keepTypedTimes() {
        // Flask-AppBuilder gives date-and-time fields a date-only calendar that rewrites
        // the field when it closes: tabbing through "2026-12-01 09:30:00" left it empty
        // or without its time. Typed values are now kept as typed.
        $(".appbuilder_datetime").each(function () {
            var picker = $(this).data("datepicker");
            if (picker) { picker._o.forceParse = false; picker.o.forceParse = false; }
        });
    }

    $(function () {
        keepTypedTimes();
        tieHelp();
        var firstError = tieErrors();
        describeDates();
        fixSelects();
        setUpTabs();
        focusFirstError(firstError);
        // Select2 4.0.13 with jQuery 3.6 no longer puts the focus in its search box when
        // it opens, so typed letters went nowhere: a keyboard user could not search.
        $(document).on("select2:open", function () {
            nameDropdownSearch();
            var field = document.querySelector(
                ".select2-container--open .select2-dropdown .select2-search__field");
            if (field) { field.focus(); }
        });
        new MutationObserver(function () { fixSelects(); }).observe(
            document.body, {childList: true, subtree: true});
    });
}(window.jQuery));
