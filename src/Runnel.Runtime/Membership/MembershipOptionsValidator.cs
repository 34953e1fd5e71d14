using Microsoft.Extensions.Options;

namespace Runnel.Runtime;

/// <summary>Validates <see cref="MembershipOptions"/> when the host starts; each failure names the field and its value.</summary>
public sealed class MembershipOptionsValidator : IValidateOptions<MembershipOptions>
{
    public ValidateOptionsResult Validate(string? name, MembershipOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        Positive(failures, nameof(options.ProbePeriod), options.ProbePeriod);
        Positive(failures, nameof(options.ProbeTimeout), options.ProbeTimeout);
        Positive(failures, nameof(options.VoteExpiration), options.VoteExpiration);
        Positive(failures, nameof(options.HeartbeatPeriod), options.HeartbeatPeriod);
        Positive(failures, nameof(options.HeartbeatStaleAfter), options.HeartbeatStaleAfter);
        Positive(failures, nameof(options.TableRefreshPeriod), options.TableRefreshPeriod);
        Positive(failures, nameof(options.StoreUnreachableTimeout), options.StoreUnreachableTimeout);
        Positive(failures, nameof(options.JoinTimeout), options.JoinTimeout);
        Positive(failures, nameof(options.ViewPushTimeout), options.ViewPushTimeout);
        AtLeast(failures, nameof(options.MissedProbesLimit), options.MissedProbesLimit, 1);
        AtLeast(failures, nameof(options.VotesForDeath), options.VotesForDeath, 1);
        AtLeast(failures, nameof(options.MaxProbedSilos), options.MaxProbedSilos, 1);
        AtLeast(failures, nameof(options.DeadRowsToKeep), options.DeadRowsToKeep, 0);
        if (options.HeartbeatStaleAfter < options.HeartbeatPeriod * 2)
        {
            failures.Add($"MembershipOptions.HeartbeatStaleAfter ({options.HeartbeatStaleAfter}) must be at least twice MembershipOptions.HeartbeatPeriod ({options.HeartbeatPeriod}).");
        }

        if (options.VoteExpiration <= options.ProbePeriod * options.MissedProbesLimit)
        {
            failures.Add($"MembershipOptions.VoteExpiration ({options.VoteExpiration}) must exceed ProbePeriod × MissedProbesLimit ({options.ProbePeriod * options.MissedProbesLimit}), or no two votes are ever fresh together.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Positive(List<string> failures, string field, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            failures.Add($"MembershipOptions.{field} must be positive (was {value}).");
        }
    }

    private static void AtLeast(List<string> failures, string field, int value, int minimum)
    {
        if (value < minimum)
        {
            failures.Add($"MembershipOptions.{field} must be at least {minimum} (was {value}).");
        }
    }
}
