"""Consent management on the real agent: Pendo waits for the consent categories its destination config sets,
read from a stand-in OneTrust with the real SDK's shapes, or given through ``consent()`` for a custom provider."""

from __future__ import annotations

from typing import Any

from tests.browser.harness import PythonPage, in_page

# OneTrust's SDK as RudderStack's plugin reads it: OnetrustActiveGroups (",C0001,C0003,") and
# OneTrust.GetDomainData().Groups, each with CustomGroupId and GroupName.
ONE_TRUST_STAND_IN = """(active) => {
    window.OnetrustActiveGroups = active;
    window.OneTrust = {GetDomainData: () => ({Groups: [
        {CustomGroupId: "C0001", GroupName: "Strictly Necessary Cookies"},
        {CustomGroupId: "C0002", GroupName: "Performance Cookies"},
        {CustomGroupId: "C0003", GroupName: "Functional Cookies"},
    ]})};
}"""
DESTINATION = {"apiKey": "consent-key", "oneTrustCookieCategories": [{"oneTrustCookieCategory": "C0002"}]}


@in_page
def load_with_one_trust(config: dict[str, Any], pre_consent: bool) -> dict[str, Any]:
    from pyodide_pendo import rudderanalytics

    rudderanalytics.load(config, consentManagement={"enabled": True, "provider": "oneTrust"},
                         preConsent={"enabled": pre_consent})
    rudderanalytics.identify("user-ot")
    rudderanalytics.track("Before Consent")
    return rudderanalytics.stats()


@in_page
async def give_consent(options: Any) -> int:
    from pyodide_pendo import rudderanalytics

    count = rudderanalytics.consent(options)
    rudderanalytics.track("After Consent")
    await rudderanalytics.ready()
    return count


def test_pendo_waits_for_one_trust_categories_then_gets_what_waited(py: PythonPage, pendo: Any) -> None:
    py.page.evaluate(ONE_TRUST_STAND_IN, ",C0001,")
    waiting = load_with_one_trust(py, DESTINATION, True)
    assert waiting["waiting"] == 2 and waiting["state"] == "idle"
    assert pendo.agent_requests == [] and py.page.evaluate("() => window.pendo === undefined")

    py.page.evaluate("() => { window.OnetrustActiveGroups = ',C0001,C0002,'; }")  # the visitor allowed C0002
    assert give_consent(py, True) == 2
    assert py.wait_for_track("Before Consent")["visitor_id"] == "user-ot"
    py.wait_for_track("After Consent")
    assert [event["track_event_name"] for event in py.wire.track_events()] == ["Before Consent", "After Consent"]


def test_one_trust_categories_not_allowed_at_load_keep_pendo_unloaded(py: PythonPage, pendo: Any) -> None:
    py.page.evaluate(ONE_TRUST_STAND_IN, ",C0001,C0003,")
    stats = load_with_one_trust(py, DESTINATION, False)
    assert stats["state"] == "idle" and stats["filtered"] == 2
    assert pendo.agent_requests == [] and py.wire.requests == []
    assert "not allowed Pendo's consent categories under oneTrust (C0002)" in ready_error(py)


@in_page
async def ready_error() -> str:
    from pyodide_pendo import PendoLoadError, rudderanalytics

    try:
        await rudderanalytics.ready()
    except PendoLoadError as error:
        return str(error)
    return ""


@in_page
def load_custom(discard: bool) -> dict[str, Any]:
    from pyodide_pendo import rudderanalytics

    config = {"apiKey": "consent-key",
              "consentManagement": [{"provider": "custom", "resolutionStrategy": "and",
                                     "consents": [{"consent": "analytics"}]}]}
    rudderanalytics.load(config, consentManagement={"enabled": True, "provider": "custom"},
                         preConsent={"enabled": True})
    rudderanalytics.identify("user-custom")
    rudderanalytics.track("Before Consent")
    return rudderanalytics.stats()


def test_a_custom_provider_through_consent_sends_what_waited(py: PythonPage, pendo: Any) -> None:
    assert load_custom(py, False)["waiting"] == 2
    assert pendo.agent_requests == []
    sent = give_consent(py, {"consentManagement": {"allowedConsentIds": ["analytics"]}, "trackConsent": True})
    assert sent == 2
    py.wait_for_track("Consent Management Interaction")
    py.wait_for_track("After Consent")
    assert [event["track_event_name"] for event in py.wire.track_events()] == [
        "Before Consent", "Consent Management Interaction", "After Consent"]
    assert py.wire.track_events()[0]["visitor_id"] == "user-custom"


def test_discard_pre_consent_events_sends_only_what_came_after(py: PythonPage, pendo: Any) -> None:
    load_custom(py, True)
    discarded = give_consent(py, {"consentManagement": {"allowedConsentIds": ["analytics"]},
                                  "discardPreConsentEvents": True})
    assert discarded == 2
    py.wait_for_track("After Consent")
    assert [event["track_event_name"] for event in py.wire.track_events()] == ["After Consent"]


@in_page
def load_without_a_provider() -> dict[str, Any]:
    from pyodide_pendo import rudderanalytics

    rudderanalytics.load({"apiKey": "consent-key",
                          "oneTrustCookieCategories": [{"oneTrustCookieCategory": "C0002"}]})
    rudderanalytics.track("Never Sent")
    return rudderanalytics.stats()


def test_categories_without_a_provider_fail_safe_with_a_visible_warning(py: PythonPage, pendo: Any) -> None:
    py.page.evaluate(ONE_TRUST_STAND_IN, ",C0001,C0002,C0003,")  # consent would be there: no provider reads it
    stats = load_without_a_provider(py)
    assert stats["state"] == "idle" and stats["filtered"] == 1
    assert py.page.evaluate("() => window.pendo === undefined")
    py.page.wait_for_timeout(500)
    assert pendo.agent_requests == [] and py.wire.requests == []
    assert any("no consent manager is set" in line and "consentManagement={'enabled': True" in line
               for line in py.console)
