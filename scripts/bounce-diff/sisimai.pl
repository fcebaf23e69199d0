#!/usr/bin/perl
# Print, for each file argument, one JSON line
#   {"file":..., "results":[{recipient,status,replyCode,reason,hardBounce,feedbackType}]}
# as classified by sisimai (Debian: libsisimai-perl). A dev-only reference tool for
# scripts/bounce-diff/diff.ts; never a runtime dependency of Aviso.
use strict;
use warnings;
use JSON::PP;
use Sisimai;

my $json = JSON::PP->new->canonical(1)->utf8(1);
my $v5 = Sisimai->can('rise') ? 1 : 0;   # v5: rise(), hardbounce; v4: make(), softbounce

for my $file (@ARGV) {
    my $list;
    my $err;
    {
        local $SIG{__WARN__} = sub {};
        $list = eval {
            $v5 ? Sisimai->rise($file, delivered => 1, vacation => 1)
                : Sisimai->make($file, delivered => 1);
        };
        $err = $@ if $@;
    }
    my @results;
    for my $e (@{ $list // [] }) {
        my $hard;
        if ($v5) {
            $hard = $e->hardbounce ? JSON::PP::true : JSON::PP::false;
        } else {
            my $s = $e->softbounce;
            $hard = (defined $s && length $s && $s == 0) ? JSON::PP::true : JSON::PP::false;
        }
        my $ft = $e->feedbacktype;
        push @results, {
            recipient    => lc($e->recipient ? $e->recipient->address : ''),
            status       => $e->deliverystatus // '',
            replyCode    => '' . ($e->replycode // ''),
            reason       => $e->reason // '',
            hardBounce   => $hard,
            feedbackType => (defined $ft && length $ft) ? $ft : undef,
        };
    }
    my $out = { file => $file, results => \@results };
    $out->{error} = "$err" if defined $err;
    print $json->encode($out), "\n";
}
