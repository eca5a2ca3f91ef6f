/** Where pgBackRest keeps backups: resolved by the platform, mounted by the database construct. */

/** Where pgBackRest keeps backups and archived WAL. */
export interface BackupRepository {
  /** pgBackRest `repo1-*` options (without the prefix's number), e.g. `type=s3`. */
  readonly options: Readonly<Record<string, string>>;
  /** A volume claim the repository lives on (minikube), mounted at options.path. */
  readonly claim?: { readonly size: string; readonly storageClassName: string };
}
