/* Casusregie: Flask-AppBuilder's scripts in the user's language.
   Loaded after Flask-AppBuilder's scripts and before they run on page load;
   the texts come from the server's catalogue through data attributes. */
(function ($) {
    "use strict";
    var tag = document.getElementById("casus-i18n");
    if (!tag || !$) { return; }
    var locale = tag.getAttribute("data-locale");
    var texts = {
        "No row selected": tag.getAttribute("data-no-row-selected"),
        "Select a State": tag.getAttribute("data-choose")
    };

    // The date picker's calendar (month and day names, Monday first).
    if ($.fn.datepicker && locale === "nl") {
        $.fn.datepicker.dates.nl = {
            days: ["zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag"],
            daysShort: ["zo", "ma", "di", "wo", "do", "vr", "za"],
            daysMin: ["zo", "ma", "di", "wo", "do", "vr", "za"],
            months: ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
                     "september", "oktober", "november", "december"],
            monthsShort: ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt",
                          "nov", "dec"],
            today: "Vandaag",
            clear: "Wissen",
            weekStart: 1,
            format: "yyyy-mm-dd"
        };
        $.fn.datepicker.defaults.language = "nl";
        $.fn.datepicker.defaults.weekStart = 1;
    }

    // Flask-AppBuilder hard-codes an English placeholder for its select boxes.
    if ($.fn.select2) {
        var select2 = $.fn.select2;
        $.fn.select2 = function (options) {
            if (options && typeof options === "object" && texts[options.placeholder]) {
                options = $.extend({}, options, {placeholder: texts[options.placeholder]});
            }
            var args = Array.prototype.slice.call(arguments, 1);
            return select2.apply(this, [options].concat(args));
        };
        $.extend($.fn.select2, select2);
    }

    // ... and an English alert when an action is chosen without selecting rows.
    if (typeof window.ab_alert === "function") {
        var alert = window.ab_alert;
        window.ab_alert = function (text) {
            return alert(texts[text] || text);
        };
    }
}(window.jQuery));
