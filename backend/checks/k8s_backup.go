package checks

import (
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/kubeinv"
)

func backupChecks() []*Check {
	return []*Check{
		{
			ID: "k8s.backup-schedule", Title: "Stateful namespace not covered by a backup schedule",
			Description: "The namespace holds PersistentVolumeClaims or StatefulSets but no active Velero Schedule includes it, so its data is lost with the volumes.",
			Severity:    posture.SeverityHigh, CSA: []string{"3.1.15.1"}, Applies: posture.AssetNamespace,
			Remediation: Remediation{Text: "Create a Velero Schedule whose template includes the namespace (and snapshots its volumes).", Example: "apiVersion: velero.io/v1\nkind: Schedule\nmetadata: {name: shop-daily, namespace: velero}\nspec:\n  schedule: \"0 2 * * *\"\n  template:\n    includedNamespaces: [shop]\n    snapshotVolumes: true\n    ttl: 720h\n"},
			Needs:       []string{kubeinv.KindVeleroSchedule, kubeinv.KindPersistentVolumeClaim, kubeinv.KindStatefulSet},
			Eval: perNamespace(true, func(s *Snapshot, ns string) verdict {
				if !s.stateful[ns] {
					return na("namespace holds no persistent data")
				}
				for _, sc := range s.Inv.VeleroSchedules {
					if !sc.Paused && kubeinv.Covers(sc.IncludedNamespaces, sc.ExcludedNamespaces, ns) {
						return pass("covered by Velero Schedule " + sc.Namespace + "/" + sc.Name)
					}
				}
				return fail("no active Velero Schedule includes the namespace", "schedules", strconv.Itoa(len(s.Inv.VeleroSchedules)))
			}),
		},
		{
			ID: "k8s.backup-rpo", Title: "Last backup older than the RPO",
			Description: "The newest completed Velero Backup that includes this stateful namespace is older than the configured recovery point objective (or there is none).",
			Severity:    posture.SeverityHigh, CSA: []string{"3.1.15.1"}, Applies: posture.AssetNamespace,
			Remediation: Remediation{Text: "Fix the failing or missing backups (velero backup describe / logs) and make the schedule run at least once per RPO.", Example: "apiVersion: velero.io/v1\nkind: Schedule\nmetadata: {name: shop-hourly, namespace: velero}\nspec:\n  schedule: \"0 * * * *\"\n  template: {includedNamespaces: [shop]}\n"},
			Needs:       []string{kubeinv.KindVeleroBackup, kubeinv.KindPersistentVolumeClaim, kubeinv.KindStatefulSet},
			Eval: func(s *Snapshot) []posture.Result {
				now := s.Config.Now()
				// newest completed backup per namespace, computed once: O(backups x namespaces)
				// only over namespaces that hold data.
				latest := map[string]time.Time{}
				for _, b := range s.Inv.VeleroBackups {
					if b.Phase != "Completed" || b.CompletionTime == nil {
						continue
					}
					for _, ns := range s.Namespaces {
						if s.stateful[ns] && kubeinv.Covers(b.IncludedNamespaces, b.ExcludedNamespaces, ns) && b.CompletionTime.After(latest[ns]) {
							latest[ns] = *b.CompletionTime
						}
					}
				}
				out := make([]posture.Result, 0, len(s.Namespaces))
				for _, ns := range s.Namespaces {
					var v verdict
					t, ok := latest[ns]
					switch {
					case s.NotInScan(ns):
						v = na(NotInScanMessage)
					case !s.stateful[ns]:
						v = na("namespace holds no persistent data")
					case !ok:
						v = fail("no completed backup includes the namespace", "rpo", s.Config.BackupRPO.String())
					case now.Sub(t) > s.Config.BackupRPO:
						v = fail("last completed backup is "+now.Sub(t).Round(time.Minute).String()+" old, over the RPO of "+s.Config.BackupRPO.String(),
							"lastBackup", t.UTC().Format(time.RFC3339), "rpo", s.Config.BackupRPO.String())
					default:
						v = pass("last completed backup at " + t.UTC().Format(time.RFC3339))
					}
					out = append(out, v.result(ref(s.NamespaceAsset(ns)), ""))
				}
				return out
			},
		},
		{
			ID: "k8s.statefulset-emptydir", Title: "StatefulSet keeps data in emptyDir",
			Description: "A StatefulSet mounts emptyDir volumes: whatever it stores there disappears with the pod and is never backed up.",
			Severity:    posture.SeverityLow, CSA: []string{"3.1.15.1"}, Applies: posture.AssetWorkload,
			Remediation: Remediation{Text: "Use volumeClaimTemplates for data that must survive the pod; keep emptyDir for caches only (medium: Memory for scratch).", Example: "volumeClaimTemplates:\n- metadata: {name: data}\n  spec:\n    accessModes: [ReadWriteOnce]\n    resources: {requests: {storage: 10Gi}}\n"},
			Eval: perWorkload(func(s *Snapshot, w *kubeinv.Workload) verdict {
				if w.Kind != "StatefulSet" {
					return na("not a StatefulSet")
				}
				var dirs []string
				for _, v := range w.PodSpec.Volumes {
					if v.EmptyDir != nil && v.EmptyDir.Medium != corev1.StorageMediumMemory {
						dirs = append(dirs, v.Name)
					}
				}
				if len(dirs) > 0 {
					return fail("emptyDir volumes: "+strings.Join(dirs, ", "), "volumes", strings.Join(dirs, ","))
				}
				return pass("no disk-backed emptyDir volumes")
			}),
		},
	}
}

// encryptedByDefault provisioners encrypt at rest with provider keys without parameters.
var encryptedByDefault = map[string]bool{
	"pd.csi.storage.gke.io": true, "kubernetes.io/gce-pd": true,
	"disk.csi.azure.com": true, "kubernetes.io/azure-disk": true, "file.csi.azure.com": true,
}

// encryptionParams are parameter keys (lower-case) that switch on encryption.
var encryptionParams = map[string]bool{
	"encrypted": true, "encryption": true, "secure": true, "kmskeyid": true, "disk-encryption-kms-key": true,
	"diskencryptionsetid": true, "csi.storage.k8s.io/node-stage-secret-name": false, "luks": true,
	"encryptionkmsid": true, "kms_key_id": true, "encryptionkey": true,
}

// storageEncryption reports whether a StorageClass encrypts volumes at rest and why.
func storageEncryption(sc *storagev1.StorageClass) (bool, string) {
	for k, v := range sc.Parameters {
		key := strings.ToLower(k)
		if encryptionParams[key] || strings.Contains(key, "encrypt") || strings.Contains(key, "kms") {
			val := strings.ToLower(strings.TrimSpace(v))
			if val != "" && val != "false" && val != "0" && val != "no" {
				return true, "parameter " + k
			}
		}
	}
	if encryptedByDefault[sc.Provisioner] {
		return true, "provisioner " + sc.Provisioner + " encrypts at rest by default"
	}
	return false, ""
}

func storageChecks() []*Check {
	return []*Check{
		{
			ID: "k8s.storageclass-encryption", Title: "StorageClass without encryption at rest",
			Description: "Volumes from this StorageClass are not encrypted at rest: no encryption parameter is set and the provisioner does not encrypt by default.",
			Severity:    posture.SeverityMedium, CSA: []string{"3.1.17.2", "3.1.9.2"}, Applies: posture.AssetStorage,
			References:  []Reference{{NSA, "Data protection", ""}},
			Remediation: Remediation{Text: "Set the provisioner's encryption parameters (with a customer-managed KMS key where available) and migrate volumes to the new class.", Example: "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: gp3-encrypted}\nprovisioner: ebs.csi.aws.com\nparameters:\n  type: gp3\n  encrypted: \"true\"\n  kmsKeyId: arn:aws:kms:eu-west-1:111122223333:key/example\n"},
			Eval: func(s *Snapshot) []posture.Result {
				out := make([]posture.Result, 0, len(s.Inv.StorageClasses))
				for i := range s.Inv.StorageClasses {
					sc := &s.Inv.StorageClasses[i]
					v := fail("no encryption parameters", "provisioner", sc.Provisioner)
					if ok, why := storageEncryption(sc); ok {
						v = pass("encrypted: " + why)
					}
					out = append(out, v.result(ref(kubeinv.ObjectAsset(posture.AssetStorage, "storage.k8s.io", "StorageClass", &sc.ObjectMeta)), ""))
				}
				return out
			},
		},
		{
			ID: "k8s.pvc-unencrypted-storage", Title: "Volume claim on an unencrypted StorageClass",
			Description: "The PersistentVolumeClaim (or StatefulSet volumeClaimTemplate) uses a StorageClass that does not encrypt at rest.",
			Severity:    posture.SeverityMedium, CSA: []string{"3.1.17.2"}, Applies: posture.AssetStorage,
			Remediation: Remediation{Text: "Move the data to a claim on an encrypted StorageClass.", Example: "spec:\n  storageClassName: gp3-encrypted\n"},
			Needs:       []string{kubeinv.KindStorageClass},
			Eval: func(s *Snapshot) []posture.Result {
				classes := map[string]*storagev1.StorageClass{}
				defaultClass := ""
				for i := range s.Inv.StorageClasses {
					sc := &s.Inv.StorageClasses[i]
					classes[sc.Name] = sc
					if sc.Annotations["storageclass.kubernetes.io/is-default-class"] == "true" {
						defaultClass = sc.Name
					}
				}
				judge := func(className *string) verdict {
					name := defaultClass
					if className != nil {
						name = *className
					}
					sc := classes[name]
					if sc == nil {
						return na("StorageClass " + name + " not in the inventory")
					}
					if ok, _ := storageEncryption(sc); ok {
						return pass("StorageClass " + name + " encrypts at rest")
					}
					return fail("StorageClass "+name+" does not encrypt at rest", "storageClass", name)
				}
				var out []posture.Result
				for i := range s.Inv.PVCs {
					p := &s.Inv.PVCs[i]
					out = append(out, judge(p.Spec.StorageClassName).result(ref(kubeinv.ObjectAsset(posture.AssetStorage, "", "PersistentVolumeClaim", &p.ObjectMeta)), ""))
				}
				for i, w := range s.Workloads {
					for _, t := range w.VolumeClaimTemplates {
						out = append(out, judge(t.Spec.StorageClassName).result(&s.workloadAssets[i], "volumeClaimTemplate:"+t.Name))
					}
				}
				return out
			},
		},
		{
			ID: "k8s.shared-rwx-volume", Title: "ReadWriteMany volume shared across workloads",
			Description: "A ReadWriteMany claim is mounted by more than one workload: a compromise of one can tamper with the other's data.",
			Severity:    posture.SeverityLow, CSA: []string{"3.1.9.1"}, Applies: posture.AssetStorage,
			Remediation: Remediation{Text: "Give each workload its own claim, or mount the shared claim read-only where only reads are needed.", Example: "volumeMounts:\n- {name: shared, mountPath: /data, readOnly: true}\n"},
			Needs:       kubeinv.WorkloadKinds(),
			Eval: func(s *Snapshot) []posture.Result {
				users := map[string][]string{} // ns/claim -> workload keys
				for _, w := range s.Workloads {
					for _, v := range w.PodSpec.Volumes {
						if v.PersistentVolumeClaim != nil && !v.PersistentVolumeClaim.ReadOnly {
							k := w.Namespace + "/" + v.PersistentVolumeClaim.ClaimName
							users[k] = append(users[k], w.Key())
						}
					}
				}
				var out []posture.Result
				for i := range s.Inv.PVCs {
					p := &s.Inv.PVCs[i]
					a := kubeinv.ObjectAsset(posture.AssetStorage, "", "PersistentVolumeClaim", &p.ObjectMeta)
					rwx := false
					for _, m := range p.Spec.AccessModes {
						if m == corev1.ReadWriteMany {
							rwx = true
						}
					}
					u := users[p.Namespace+"/"+p.Name]
					v := pass("not shared read-write")
					switch {
					case !rwx:
						v = na("not ReadWriteMany")
					case len(u) > 1:
						sort.Strings(u)
						v = fail("mounted read-write by "+strconv.Itoa(len(u))+" workloads", "workloads", strings.Join(u, ","))
					}
					out = append(out, v.result(ref(a), ""))
				}
				return out
			},
		},
	}
}
