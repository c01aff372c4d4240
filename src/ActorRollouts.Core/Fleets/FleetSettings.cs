using System.Collections.Immutable;
using System.Text.Json;
using ActorRollouts.Core.Json;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Tasks;

namespace ActorRollouts.Core.Fleets;

/// <summary>Everything a fleet was told that shapes its sessions, journaled with the fleet (<c>fleet-started</c>) and
/// re-applied by every resume, so a resumed fleet behaves as it was started: the model and its endpoint, sampling options,
/// who approves tools, how commands are sandboxed, the endpoint's limits, turns and budgets. A change (<c>resume --confirm
/// auto</c>) is journaled as <c>fleet-settings-changed</c>. No secrets: <see cref="ApiKeyEnv"/> names a variable.
/// <see cref="BaseUrl"/> is null while the fleet runs on the built-in scripted model (<see cref="FakeLlmScript"/>).
/// <see cref="Tokens"/> (null: off), <see cref="TopLogprobs"/> and <see cref="PolicyVersion"/> are for RL training: what is
/// recorded of the model's tokens, and the weights' version every request is labelled with.</summary>
public sealed record FleetSettings(
    string Model,
    string? BaseUrl,
    string Api,
    string ApiKeyEnv,
    string? ReasoningEffort,
    double? Temperature,
    int? MaxOutputTokens,
    ImmutableSortedDictionary<string, JsonElement>? ExtraBody,
    int MaxTurns,
    string ConfirmPolicy,
    string Sandbox,
    int MaxConcurrentRequests,
    int RequestsPerMinute,
    long TokensPerMinute,
    Budget? Budget,
    string? FakeLlmScript,
    string? Tokens = null,
    int TopLogprobs = 0,
    int PolicyVersion = 0,
    string? ToolCallParser = null,
    int? MaxStaleness = null,
    bool? RestartStale = null,
    int? MaxQueued = null)
{
    /// <summary>These settings with what <paramref name="change"/> sets replaced; moving to a base URL leaves the scripted
    /// model, and moving to the scripted model leaves the base URL.</summary>
    public FleetSettings With(FleetSettingsChange change) => this with
    {
        Model = change.Model ?? Model,
        BaseUrl = change.BaseUrl ?? (change.FakeLlmScript is not null ? null : BaseUrl),
        FakeLlmScript = change.FakeLlmScript ?? (change.BaseUrl is not null ? null : FakeLlmScript),
        Api = change.Api ?? Api,
        ApiKeyEnv = change.ApiKeyEnv ?? ApiKeyEnv,
        ReasoningEffort = change.ReasoningEffort ?? ReasoningEffort,
        Temperature = change.Temperature ?? Temperature,
        MaxOutputTokens = change.MaxOutputTokens ?? MaxOutputTokens,
        ExtraBody = change.ExtraBody ?? ExtraBody,
        MaxTurns = change.MaxTurns ?? MaxTurns,
        ConfirmPolicy = change.ConfirmPolicy ?? ConfirmPolicy,
        Sandbox = change.Sandbox ?? Sandbox,
        MaxConcurrentRequests = change.MaxConcurrentRequests ?? MaxConcurrentRequests,
        RequestsPerMinute = change.RequestsPerMinute ?? RequestsPerMinute,
        TokensPerMinute = change.TokensPerMinute ?? TokensPerMinute,
        Budget = change.Budget is null ? Budget : Budget.Merge(change.Budget, Budget),
        Tokens = change.Tokens ?? Tokens,
        TopLogprobs = change.TopLogprobs ?? TopLogprobs,
        PolicyVersion = change.PolicyVersion ?? PolicyVersion,
        ToolCallParser = change.ToolCallParser ?? ToolCallParser,
        MaxStaleness = change.MaxStaleness ?? MaxStaleness,
        RestartStale = change.RestartStale ?? RestartStale,
        MaxQueued = change.MaxQueued ?? MaxQueued,
    };

    /// <summary>What differs from <paramref name="after"/>, one readable line per setting.</summary>
    public ImmutableList<string> ChangesTo(FleetSettings after) => SettingsDiff.Describe(this, after);

    /// <summary>The session as these settings have it, given the settings it was planned under. A setting that changed
    /// since reaches every session that took the fleet's value; a value the task set itself (its model, api, max_turns or
    /// budget, when it differs from the fleet's) stays, as it does when a fleet is started.</summary>
    public SessionSpec ApplyTo(SessionSpec spec, FleetSettings planned)
    {
        var e = spec.Endpoint;
        var model = Model != planned.Model && e.Model == planned.Model ? Model : e.Model;
        var apiFollowsFleet = e.Api == ApiRouting.Resolve(planned.Api, e.Model);
        var endpoint = e with
        {
            Model = model,
            Api = apiFollowsFleet ? ApiRouting.Resolve(Api, model) : e.Api,
            BaseUrl = BaseUrl is not null && BaseUrl != planned.BaseUrl ? BaseUrl : e.BaseUrl,
            ApiKeyEnv = ApiKeyEnv != planned.ApiKeyEnv ? ApiKeyEnv : e.ApiKeyEnv,
            ReasoningEffort = ReasoningEffort != planned.ReasoningEffort ? ReasoningEffort : e.ReasoningEffort,
            Temperature = !Equals(Temperature, planned.Temperature) ? Temperature : e.Temperature,
            MaxOutputTokens = MaxOutputTokens != planned.MaxOutputTokens ? MaxOutputTokens : e.MaxOutputTokens,
            ExtraBody = !SettingsDiff.Same(ExtraBody, planned.ExtraBody) ? ExtraBody : e.ExtraBody,
            // A task cannot set these: every session follows the fleet.
            Tokens = Tokens,
            TopLogprobs = TopLogprobs,
            PolicyVersion = PolicyVersion,
            ToolCallParser = ToolCallParser,
            MaxStaleness = MaxStaleness,
        };
        return spec with
        {
            Endpoint = endpoint,
            MaxTurns = MaxTurns != planned.MaxTurns && spec.MaxTurns == planned.MaxTurns ? MaxTurns : spec.MaxTurns,
            Budget = FollowFleet(spec.Budget, planned.Budget, Budget),
        };
    }

    /// <summary>Each part of a session's budget that was the fleet's follows the fleet's change.</summary>
    private static Budget? FollowFleet(Budget? own, Budget? planned, Budget? now)
    {
        T? Pick<T>(T? mine, T? was, T? next) where T : struct => !Equals(was, next) && Equals(mine, was) ? next : mine;
        var merged = new Budget(Pick(own?.Tokens, planned?.Tokens, now?.Tokens), Pick(own?.CostUsd, planned?.CostUsd, now?.CostUsd),
            Pick(own?.Seconds, planned?.Seconds, now?.Seconds));
        return merged.IsEmpty ? null : merged;
    }
}

/// <summary>What a <c>run</c> or <c>resume</c> command line sets explicitly; null = not given (keep what the fleet has).</summary>
public sealed record FleetSettingsChange(
    string? Model = null,
    string? BaseUrl = null,
    string? Api = null,
    string? ApiKeyEnv = null,
    string? ReasoningEffort = null,
    double? Temperature = null,
    int? MaxOutputTokens = null,
    ImmutableSortedDictionary<string, JsonElement>? ExtraBody = null,
    int? MaxTurns = null,
    string? ConfirmPolicy = null,
    string? Sandbox = null,
    int? MaxConcurrentRequests = null,
    int? RequestsPerMinute = null,
    long? TokensPerMinute = null,
    Budget? Budget = null,
    string? FakeLlmScript = null,
    string? Tokens = null,
    int? TopLogprobs = null,
    int? PolicyVersion = null,
    string? ToolCallParser = null,
    int? MaxStaleness = null,
    bool? RestartStale = null,
    int? MaxQueued = null);
