// Package sinks groups the privacy.Sink adapters of BotSync's own stores,
// each in its own package so that the stores never import package privacy:
//
//   - crmsink: leads, activities, conversations, messages and bookings
//     (crm.Service);
//   - knowledgesink: knowledge-base chunks that mention a subject
//     (knowledge.Store);
//   - vaultsink: values sealed for a subject in the vault, crypto-shredded
//     through the subject's data key (vault.Vault).
//
// Wiring them into data-subject requests:
//
//	crmSink, _ := crmsink.New(crmService, crmsink.WithWorkspaces(listWorkspaces))
//	kbSink, _ := knowledgesink.New(knowledgeStore, knowledgesink.WithWorkspaces(listWorkspaces))
//	vaultSink, _ := vaultsink.New(v, vaultStore, vaultsink.WithSubjects(crmSink.Subjects), vaultsink.WithWorkspaces(listWorkspaces))
//	reqs := &privacy.Requests{
//		Store: privacyStore, Audit: audit, Holds: holds,
//		Sinks:          []privacy.Sink{crmSink, kbSink, vaultSink},
//		Expand:         crmSink.Expand, // save every identity of the lead before anything is erased
//		SinkStrategies: map[string]privacy.Strategy{"vault": privacy.StrategyCryptoShred},
//	}
//
// The package itself holds only this documentation and the end-to-end test.
package sinks
