using Runnel.Runtime.Membership;
using Runnel.Testing;

namespace Runnel.Runtime.Tests.Cluster;

/// <summary>
/// The failure detector's timing on fake time with the production defaults: scripted peers answer, refuse, hang or
/// answer slowly, and the tests read the fake time at which a vote is written. Probe answers complete inline on the
/// advancing thread (timers of a <see cref="ManualTimeProvider"/> fire inside Advance, and the test thread has no
/// synchronization context), so every run is the same.
/// </summary>
public sealed class FailureDetectorTests : IDisposable
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(10);
    private static readonly DateTimeOffset T0 = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly ManualTimeProvider _time = new(T0);
    private readonly MembershipOptions _options = new();
    private readonly SiloAddress _self = new("127.0.0.1:5000", 1);
    private readonly SiloAddress _target = new("127.0.0.1:5001", 1);
    private readonly SiloAddress _other = new("127.0.0.1:5002", 1);
    private readonly Infrastructure.ListLoggerProvider _log = new();
    private readonly ScriptedPeers _peers;
    private readonly FailureDetector _detector;

    public FailureDetectorTests()
    {
        _peers = new ScriptedPeers(_time);
        var table = new MembershipTable(3, [Row(_self), Row(_target), Row(_other)]);
        _detector = new FailureDetector(_options, _time, _peers, () => (_self, table), _log.CreateLogger("detector"));
        _detector.Start();
    }

    public void Dispose() => _detector.Dispose();

    [Fact]
    public void Defaults_AreTheOnesTheseTimingsAssume()
    {
        _options.ProbePeriod.Should().Be(TimeSpan.FromMilliseconds(500));
        _options.ProbeTimeout.Should().Be(TimeSpan.FromSeconds(1));
        _options.MissedProbesLimit.Should().Be(3);
    }

    [Fact]
    public void CrashedSilo_ItsConnectionCloses_VotedDeadWithTwoVotesWithinHalfASecond()
    {
        _peers.Refuse(_target);

        _detector.OnConnectionLost(_target);
        var vote = RunUntilVote(TimeSpan.FromSeconds(5));

        // Refused at 0, 200 and 400 ms (the third also through the other silo, which is refused too).
        vote.At.Should().Be(TimeSpan.FromMilliseconds(400));
        vote.Voters.Should().Equal(_self, _other);
    }

    [Fact]
    public void CrashedSilo_NoConnectionSignal_VotedDeadOneProbePeriodLater()
    {
        _peers.Refuse(_target);

        var vote = RunUntilVote(TimeSpan.FromSeconds(5));

        vote.At.Should().Be(_options.ProbePeriod + TimeSpan.FromMilliseconds(400));
        vote.Voters.Should().Equal(_self, _other);
    }

    [Fact]
    public void HungSilo_VotedDeadAfterThreeBackToBackProbeTimeouts()
    {
        _peers.Hang(_target);

        var vote = RunUntilVote(TimeSpan.FromSeconds(10));

        // First probe at the first period, then three full timeouts without waiting for the next periods.
        vote.At.Should().Be(_options.ProbePeriod + (3 * _options.ProbeTimeout));
        vote.Voters.Should().Equal(_self, _other);
    }

    [Fact]
    public void HungSilo_ConnectionSignalOfAnotherSilo_ChangesNothing()
    {
        _peers.Hang(_target);

        _detector.OnConnectionLost(new SiloAddress("127.0.0.1:5999", 1));
        var vote = RunUntilVote(TimeSpan.FromSeconds(10));

        vote.At.Should().Be(_options.ProbePeriod + (3 * _options.ProbeTimeout));
    }

    [Fact]
    public void SlowSilo_AnsweringEveryProbeAt90PercentOfTheTimeout_IsNeverSuspected()
    {
        _peers.AnswerAfter(_target, _options.ProbeTimeout * 0.9);

        Run(TimeSpan.FromSeconds(60));

        _peers.Votes.Should().BeEmpty();
        _peers.Pings.Should().BeGreaterThan(30, "it was probed all along");
        _detector.MissesOf(_target).Should().Be(0);
    }

    [Fact]
    public void SlowSilo_AnsweringJustAfterTheTimeout_IsVotedDead()
    {
        // The counterpart of the test above: the same peer a little slower is missed on every probe.
        _peers.AnswerAfter(_target, _options.ProbeTimeout * 1.1);

        var vote = RunUntilVote(TimeSpan.FromSeconds(10));

        vote.At.Should().Be(_options.ProbePeriod + (3 * _options.ProbeTimeout));
    }

    [Fact]
    public void SilentForLessThanThreeTimeouts_LikeAGcPause_IsNotVotedDead()
    {
        // Silent from the first probe for 2.9 s (a stop-the-world pause on a loaded machine), then answering again.
        _peers.Hang(_target);
        using var resume = _time.CreateTimer(_ => _peers.Resume(_target), null, _options.ProbePeriod + TimeSpan.FromMilliseconds(2900), Timeout.InfiniteTimeSpan);

        Run(TimeSpan.FromSeconds(30));

        _peers.Votes.Should().BeEmpty();
        _detector.MissesOf(_target).Should().Be(0);
    }

    [Fact]
    public void DirectLinkCut_TheOtherSiloReachesTheTarget_NoVoteAndTheCountStartsOver()
    {
        _peers.Hang(_target);
        _peers.ReachableThroughIntermediary(_target);

        Run(TimeSpan.FromSeconds(30));

        _peers.Votes.Should().BeEmpty();
        _peers.IndirectProbes.Should().BeGreaterThan(3, "every third probe went through the other silo, which reached it");
    }

    [Fact]
    public void HungSilo_NoHealthyIntermediary_VoteCarriesOnlyTheProbersVote()
    {
        _peers.Hang(_target);
        _peers.Hang(_other);

        var vote = RunUntilVote(TimeSpan.FromSeconds(10));

        vote.Voters.Should().Equal(_self);
    }

    [Fact]
    public void Stopped_NoMoreProbesOrVotes()
    {
        _peers.Refuse(_target);
        _detector.Stop();

        _detector.OnConnectionLost(_target);
        Run(TimeSpan.FromSeconds(10));

        _peers.Pings.Should().Be(0);
        _peers.Votes.Should().BeEmpty();
    }

    /// <summary>Without a synchronization context, awaits resumed by a fake timer run inline inside Advance (under
    /// xUnit's context they would go to the thread pool, and the test would race them).</summary>
    private static void InlineContinuations() => SynchronizationContext.SetSynchronizationContext(null);

    private static MembershipEntry Row(SiloAddress silo) => new(silo, silo.Endpoint, SiloStatus.Active, T0, []);

    private void Run(TimeSpan span)
    {
        InlineContinuations();
        for (var elapsed = TimeSpan.Zero; elapsed < span; elapsed += Step)
        {
            _time.Advance(Step);
        }
    }

    /// <summary>Advances in steps until the first vote; returns it with its time since the test's start.</summary>
    private (TimeSpan At, IReadOnlyList<SiloAddress> Voters) RunUntilVote(TimeSpan bound)
    {
        InlineContinuations();
        for (var elapsed = TimeSpan.Zero; elapsed <= bound; elapsed += Step)
        {
            if (_peers.Votes.Find(v => v.Target == _target) is { Voters: not null } vote)
            {
                return (vote.At - T0, vote.Voters);
            }

            _time.Advance(Step);
        }

        throw new Xunit.Sdk.XunitException($"No vote within {bound} of fake time; the detector logged:\n{string.Join("\n", _log.Entries.Select(e => e.Message))}");
    }

    /// <summary>Peers whose behaviour a test sets: answer after a delay, refuse at once, or hang (each probe then fails
    /// at its timeout, unless the peer resumes first and answers it). An intermediary probes the target the same way
    /// the prober would, unless the test says it reaches it.</summary>
    private sealed class ScriptedPeers(ManualTimeProvider time) : IProbeTransport
    {
        private readonly Dictionary<SiloAddress, TimeSpan?> _answerAfter = [];
        private readonly HashSet<SiloAddress> _refused = [];
        private readonly HashSet<SiloAddress> _reachableIndirectly = [];
        private readonly List<(SiloAddress Silo, TaskCompletionSource<bool> Answer)> _pending = [];

        public List<(DateTimeOffset At, SiloAddress Target, IReadOnlyList<SiloAddress> Voters)> Votes { get; } = [];

        public int Pings { get; private set; }

        public int IndirectProbes { get; private set; }

        public void Refuse(SiloAddress silo) => _refused.Add(silo);

        public void Hang(SiloAddress silo) => _answerAfter[silo] = null;

        public void AnswerAfter(SiloAddress silo, TimeSpan delay) => _answerAfter[silo] = delay;

        /// <summary>A hung peer runs again: it answers every probe still waiting, and the next ones at once.</summary>
        public void Resume(SiloAddress silo)
        {
            _answerAfter[silo] = TimeSpan.Zero;
            foreach (var (_, answer) in _pending.Where(p => p.Silo == silo).ToList())
            {
                answer.TrySetResult(true);
            }

            _pending.RemoveAll(p => p.Silo == silo);
        }

        public void ReachableThroughIntermediary(SiloAddress silo) => _reachableIndirectly.Add(silo);

        public Task<bool> PingAsync(SiloAddress target, TimeSpan timeout)
        {
            Pings++;
            return Probe(target, timeout);
        }

        public async Task<bool?> ProbeIndirectAsync(SiloAddress via, SiloAddress target, TimeSpan timeout)
        {
            IndirectProbes++;
            if (!await Probe(via, timeout * 2).ConfigureAwait(false))
            {
                return null;
            }

            return _reachableIndirectly.Contains(target) || await Probe(target, timeout).ConfigureAwait(false);
        }

        public Task SuspectAsync(SiloAddress target, IReadOnlyList<SiloAddress> voters)
        {
            Votes.Add((time.GetUtcNow(), target, voters));
            return Task.CompletedTask;
        }

        /// <summary>Completes on the advancing thread when the answer (or the timeout) falls due.</summary>
        private Task<bool> Probe(SiloAddress silo, TimeSpan timeout)
        {
            if (_refused.Contains(silo))
            {
                return Task.FromResult(false);
            }

            var answerAfter = _answerAfter.TryGetValue(silo, out var delay) ? delay : TimeSpan.Zero;
            var result = new TaskCompletionSource<bool>();
            var answered = answerAfter is { } after && after < timeout;
            if (answerAfter == TimeSpan.Zero)
            {
                return Task.FromResult(true);
            }

            if (answerAfter is null)
            {
                _pending.Add((silo, result));
            }

            ITimer? timer = null;
            timer = time.CreateTimer(_ => { timer?.Dispose(); result.TrySetResult(answered); }, null, answered ? answerAfter!.Value : timeout, Timeout.InfiniteTimeSpan);
            return result.Task;
        }
    }
}
