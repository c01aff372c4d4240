using ActorRollouts.Core.Fleets;
using ActorRollouts.Core.Tasks;
using static ActorRollouts.Core.Fleets.FleetEvents;

namespace ActorRollouts.Core.Tests;

/// <summary>Settings journaled with a fleet, changed by a resume: what changes, and which sessions follow.</summary>
public class FleetSettingsTests
{
    private static readonly FleetSettings Planned = new("gpt-4o", "http://127.0.0.1:9/v1", "auto", "OPENAI_API_KEY", null, null, null, null,
        20, "deny", "none", 0, 30, 0, new Budget(Tokens: 1000), null);

    [Fact]
    public void With_ChangesOnlyWhatTheCommandLineNames()
    {
        var changed = Planned.With(new FleetSettingsChange(ConfirmPolicy: "auto", RequestsPerMinute: 60));

        Assert.Equal(Planned with { ConfirmPolicy = "auto", RequestsPerMinute = 60 }, changed);
        Assert.Equal(["confirm_policy: \"deny\" → \"auto\"", "requests_per_minute: 30 → 60"], Planned.ChangesTo(changed));
        Assert.Empty(Planned.ChangesTo(Planned.With(new FleetSettingsChange())));
    }

    [Fact]
    public void With_ScriptedModelAndBaseUrlReplaceEachOther()
    {
        var scripted = Planned.With(new FleetSettingsChange(FakeLlmScript: "/s.json"));
        Assert.Equal((null, "/s.json"), (scripted.BaseUrl, scripted.FakeLlmScript));

        var real = scripted.With(new FleetSettingsChange(BaseUrl: "http://gpu:8000/v1"));
        Assert.Equal(("http://gpu:8000/v1", null), (real.BaseUrl, real.FakeLlmScript));
    }

    [Fact]
    public void ApplyTo_SessionsThatTookTheFleetsValueFollowTheChange_ATasksOwnValueStays()
    {
        var endpoint = new Model.Endpoint("http://127.0.0.1:9/v1", "gpt-4o", "chat", "OPENAI_API_KEY");
        var fleets = Given.Spec() with { Endpoint = endpoint, MaxTurns = 20, Budget = new Budget(Tokens: 1000) };
        var owns = Given.Spec() with { Endpoint = endpoint with { Model = "o3", Api = "responses" }, MaxTurns = 5, Budget = new Budget(Tokens: 50, Seconds: 9) };
        var now = Planned.With(new FleetSettingsChange(Model: "gpt-5.1", MaxTurns: 40, Budget: new Budget(Tokens: 2000), BaseUrl: "http://gpu:8000/v1"));

        var followed = now.ApplyTo(fleets, Planned);
        var kept = now.ApplyTo(owns, Planned);

        Assert.Equal(("gpt-5.1", "responses", 40, 2000L), (followed.Endpoint.Model, followed.Endpoint.Api, followed.MaxTurns, followed.Budget!.Tokens));
        Assert.Equal(("o3", "responses", 5, 50L, 9.0), (kept.Endpoint.Model, kept.Endpoint.Api, kept.MaxTurns, kept.Budget!.Tokens, kept.Budget.Seconds));
        Assert.Equal("http://gpu:8000/v1", kept.Endpoint.BaseUrl); // no task sets a base URL: every session moves
        Assert.Equal(["endpoint.base_url: \"http://127.0.0.1:9/v1\" → \"http://gpu:8000/v1\"", "endpoint.model: \"gpt-4o\" → \"gpt-5.1\"",
            "endpoint.api: \"chat\" → \"responses\"", "max_turns: 20 → 40", "budget.tokens: 1000 → 2000"], fleets.SettingsChangesTo(followed));
    }

    [Fact]
    public void FleetState_KeepsThePlannedSettingsAndEveryChange()
    {
        var spec = Given.Spec() with { MaxTurns = 20 };
        var changed = Planned with { MaxTurns = 30 };
        var state = FleetState.From([
            new FleetStarted("f1", [spec], 4, Given.T0, Planned),
            new FleetSettingsChanged(changed, Planned.ChangesTo(changed), Given.T0.AddHours(1)),
        ]);

        Assert.Equal((Planned, changed), (state.PlannedSettings, state.Settings));
        Assert.Equal(30, state.SpecFor(spec).MaxTurns);
        Assert.Equal(["2026-11-24T13:00:00Z max_turns: 20 → 30"], state.DescribeSettingsChanges());
    }
}
