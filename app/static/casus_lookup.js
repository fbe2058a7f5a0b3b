/* Casusregie: searchable related-field selects (app/views/lookup.py).
   Every select.casus-remote-select holds only its chosen option; this turns it into a
   Select2 box that asks its data-lookup URL for the rows matching what the user types.
   It also handles the selects Flask-AppBuilder's search filters (ab_filters.js) insert
   later, and shows the label of a filter value given in the address (?_flt_0_col=<id>).
   The texts come from the select's data attributes, in the user's language. */
(function ($) {
    "use strict";
    if (!$ || !$.fn.select2) { return; }
    var SELECTOR = "select.casus-remote-select";
    var taken = {};  // filter values from the address already given to a select

    function text(el, name, fallback) {
        return el.getAttribute("data-" + name) || fallback;
    }

    function presetValue(el) {
        // Flask-AppBuilder sets an active filter's value with .val(), which a select
        // without that option ignores: take it from the address instead.
        var name = el.getAttribute("name");
        if (!name || name.indexOf("_flt_") !== 0 || el.value) { return null; }
        var values = new URLSearchParams(window.location.search).getAll(name);
        var index = taken[name] || 0;
        taken[name] = index + 1;
        return values[index] || null;
    }

    function showLabel($el, url, id) {
        // Select the value at once (so the filter still applies if the label is slow),
        // then replace the option by one carrying the label: Select2 keeps the data of
        // an option it has shown, so changing its text would not show.
        var option = new Option(id, id, true, true);
        $el.append(option).trigger("change");
        $.ajax({url: url, data: {id: id}, dataType: "json"}).done(function (data) {
            if (data && data.results && data.results.length && option.selected) {
                $(option).remove();
                $el.append(new Option(data.results[0].text, id, true, true)).trigger("change");
            }
        });
    }

    function init(el) {
        if (el.getAttribute("data-casus-ready")) { return; }
        el.setAttribute("data-casus-ready", "1");
        var $el = $(el);
        var url = el.getAttribute("data-lookup");
        var preset = presetValue(el);
        $el.select2({
            theme: "bootstrap",
            width: "100%",
            placeholder: text(el, "placeholder", ""),
            allowClear: el.getAttribute("data-allow-clear") !== "false",
            minimumInputLength: 0,
            language: {
                noResults: function () { return text(el, "no-results", "No results"); },
                searching: function () { return text(el, "searching", "Searching…"); },
                loadingMore: function () { return text(el, "loading-more", "Loading…"); },
                errorLoading: function () { return text(el, "error-loading", "Error"); },
                removeAllItems: function () {
                    var config = document.getElementById("casus-a11y");
                    return (config && config.getAttribute("data-remove-all")) || "";
                }
            },
            ajax: {
                url: url,
                dataType: "json",
                delay: 250,
                cache: true,
                data: function (params) {
                    var query = {q: params.term || "", page: params.page || 1};
                    var depends = el.getAttribute("data-depends-on");
                    if (depends) {
                        // Rows of the form's current choice (the goals of the chosen case).
                        var other = el.form && el.form.elements[depends];
                        query[depends] = (other && other.value) ||
                            el.getAttribute("data-depends-value") || "";
                    }
                    return query;
                }
            }
        });
        if (preset) { showLabel($el, url, preset); }
    }

    function scan(root) {
        if (root.nodeType !== 1) { return; }
        if (root.matches(SELECTOR)) { init(root); }
        $(root).find(SELECTOR).each(function () { init(this); });
    }

    $(function () {
        scan(document.body);
        new MutationObserver(function (mutations) {
            mutations.forEach(function (mutation) {
                Array.prototype.forEach.call(mutation.addedNodes, scan);
            });
        }).observe(document.body, {childList: true, subtree: true});
    });
}(window.jQuery));
